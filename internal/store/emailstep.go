package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
)

// EmailStepName is the name under which the email identity step is recorded
// in DataStepsTable.
const EmailStepName = "0006_email_identity"

// inviteRefLen is how many hex digits of an invite's link-token hash name it
// in an EmailStepError: 64 bits, unique among a workspace's invites in
// practice, and enough for `WHERE token_hash LIKE '<digits>%'`.
const inviteRefLen = 16

// EmailStep returns the data step that re-normalizes the email of every
// stored user and invite with normalize, which is users.NormalizeEmail
// (handed in by package roster: store cannot import users, which imports
// store). Rows stored under older rules may hold spellings the current rules
// map elsewhere (a decomposed accent, a fullwidth letter, an A-label domain)
// or refuse.
//
// The step rewrites nothing unless every row normalizes and no two rows of
// one table and workspace normalize to one address: otherwise it returns an
// *EmailStepError naming every such row (users by id, invites by link-token
// hash, never by email) and its transaction writes nothing, so nothing is
// merged silently; the operator resolves the rows and opens again. Casbin
// lines hold user ids, never emails, so rewriting a user's email keeps every
// grant, membership and ownership of that user.
func EmailStep(normalize func(string) (string, error)) Step {
	return Step{Name: EmailStepName, Run: func(ctx context.Context, tx StepTx) error {
		return renormalizeEmails(ctx, tx, normalize)
	}}
}

// EmailRow names a stored row without its email.
type EmailRow struct {
	Kind      string // "user" or "invite"
	Workspace string // the row's workspace id
	// ID is a user's id, or the first 16 hex digits of an invite's link-token
	// hash (the roster_invites.token_hash column).
	ID string
}

// String names the row: "user <id> of workspace <ws>".
func (r EmailRow) String() string {
	return fmt.Sprintf("%s %s of workspace %s", r.Kind, r.ID, r.Workspace)
}

// EmailStepError stops the email identity step: stored rows that the
// current rules would merge or refuse. It matches access.ErrConflict. The
// step wrote nothing.
type EmailStepError struct {
	// Collisions are groups of rows, each of one table and workspace, whose
	// emails now normalize to one address.
	Collisions [][]EmailRow
	// Refused are rows whose emails the current rules refuse.
	Refused []EmailRow
}

// Error names every row by id and says that nothing was changed.
func (e *EmailStepError) Error() string {
	var parts []string
	for _, group := range e.Collisions {
		ids := make([]string, len(group))
		for i, r := range group {
			ids[i] = r.ID
		}
		parts = append(parts, fmt.Sprintf("%ss %s of workspace %s now have one email address",
			group[0].Kind, strings.Join(ids, " and "), group[0].Workspace))
	}
	for _, r := range e.Refused {
		parts = append(parts, "the email of "+r.String()+" is not a valid address")
	}
	return "roster: re-normalizing stored emails stopped, nothing was changed: " + strings.Join(parts, "; ") +
		"; change or delete these rows, then open again"
}

// Unwrap returns access.ErrConflict.
func (e *EmailStepError) Unwrap() error { return access.ErrConflict }

// storedEmail is one row's reference, email and where to update it.
type storedEmail struct {
	ref   EmailRow
	email string
}

// emailUpdate is a row whose email changes to to.
type emailUpdate struct {
	row storedEmail
	to  string
}

func renormalizeEmails(ctx context.Context, tx StepTx, normalize func(string) (string, error)) error {
	users, err := loadEmails(ctx, tx, `SELECT id, workspace_id, email FROM roster_users ORDER BY workspace_id, id`, "user")
	if err != nil {
		return err
	}
	invites, err := loadEmails(ctx, tx, `SELECT COALESCE(token_hash, ''), workspace_id, email FROM roster_invites ORDER BY workspace_id, token_hash`, "invite")
	if err != nil {
		return err
	}
	var problems EmailStepError
	userUpdates := planEmails(users, normalize, &problems)
	inviteUpdates := planEmails(invites, normalize, &problems)
	if len(problems.Collisions)+len(problems.Refused) > 0 {
		return &problems
	}
	for _, u := range userUpdates {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE roster_users SET email = ? WHERE id = ?`), u.to, u.row.ref.ID); err != nil {
			return fmt.Errorf("roster: re-normalize %s: %w", u.row.ref, err)
		}
	}
	for _, u := range inviteUpdates {
		q := tx.Rebind(`UPDATE roster_invites SET email = ? WHERE workspace_id = ? AND email = ?`)
		if _, err := tx.ExecContext(ctx, q, u.to, u.row.ref.Workspace, u.row.email); err != nil {
			return fmt.Errorf("roster: re-normalize %s: %w", u.row.ref, err)
		}
	}
	tx.Logger.Info("roster: stored emails re-normalized", "users", len(userUpdates), "invites", len(inviteUpdates))
	return nil
}

// loadEmails reads (id, workspace, email) rows of one kind.
func loadEmails(ctx context.Context, tx StepTx, q, kind string) ([]storedEmail, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("roster: read stored emails: %w", err)
	}
	defer rows.Close()
	var out []storedEmail
	for rows.Next() {
		var r storedEmail
		if err := rows.Scan(&r.ref.ID, &r.ref.Workspace, &r.email); err != nil {
			return nil, fmt.Errorf("roster: read stored emails: %w", err)
		}
		r.ref.Kind = kind
		if kind == "invite" {
			r.ref.ID = inviteRef(r.ref.ID)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func inviteRef(tokenHash string) string {
	if tokenHash == "" {
		return "(without a link)"
	}
	return tokenHash[:min(len(tokenHash), inviteRefLen)]
}

// planEmails normalizes every row, adds the refused and colliding ones to
// problems, and returns the rows whose email changes. Rows collide when they
// are in one workspace and normalize to one address. An update never
// targets an address another row holds: that row would normalize to it too
// (normalize is idempotent), which is a collision.
func planEmails(rows []storedEmail, normalize func(string) (string, error), problems *EmailStepError) []emailUpdate {
	type key struct{ workspace, email string }
	groups := map[key][]EmailRow{}
	var order []key
	var updates []emailUpdate
	for _, r := range rows {
		n, err := normalize(r.email)
		if err != nil {
			problems.Refused = append(problems.Refused, r.ref)
			continue
		}
		k := key{r.ref.Workspace, n}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r.ref)
		if n != r.email {
			updates = append(updates, emailUpdate{row: r, to: n})
		}
	}
	for _, k := range order {
		if len(groups[k]) > 1 {
			problems.Collisions = append(problems.Collisions, groups[k])
		}
	}
	return updates
}
