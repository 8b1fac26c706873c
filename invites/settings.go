package invites

import (
	"context"
	"encoding/json"

	"gorm.io/gorm/clause"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/store"
)

// Settings returns the workspace's gate settings; a workspace that never saved
// any has the zero Settings (the defaults). Admin only: another actor gets
// users.ErrNotAdmin (access.ErrForbidden).
func (s *Service) Settings(ctx context.Context, actor access.Actor) (Settings, error) {
	var g Gate
	err := s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		var err error
		g, err = loadGate(tx)
		return err
	})
	return g.Settings, err
}

// SetSettings stores the workspace's gate settings and returns them as
// stored: the mode spelled out and allowed domains normalized with
// [NormalizeDomain] and deduplicated. Admin only. Invalid settings are an
// error matching both [ErrInvalidSettings] and access.ErrInvalid, and nothing
// is written. The "first invite made" flag is kept.
func (s *Service) SetSettings(ctx context.Context, actor access.Actor, in Settings) (Settings, error) {
	clean, err := normalizeSettings(in)
	if err != nil {
		return Settings{}, err
	}
	_, err = s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		if err := authz.RequireAdmin(tx); err != nil {
			return err
		}
		if err := saveSettings(tx, clean); err != nil {
			return err
		}
		tx.Audit("invite.settings", s.ws, map[string]any{"mode": clean.Mode, "allowed_domains": clean.AllowedDomains,
			"sso_bypasses_invite": clean.SSOBypassesInvite, "scim_requires_invite": clean.SCIMRequiresInvite})
		return nil
	})
	if err != nil {
		return Settings{}, err
	}
	return clean, nil
}

func normalizeSettings(in Settings) (Settings, error) {
	out := in
	if out.Mode == "" {
		out.Mode = ModeAuto
	}
	if _, err := ParseMode(string(out.Mode)); err != nil {
		return Settings{}, err
	}
	seen := map[string]bool{}
	out.AllowedDomains = []string{}
	for _, d := range in.AllowedDomains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return Settings{}, err
		}
		if !seen[n] {
			seen[n] = true
			out.AllowedDomains = append(out.AllowedDomains, n)
		}
	}
	if err := out.Validate(); err != nil {
		return Settings{}, err
	}
	return out, nil
}

func saveSettings(tx *store.Tx, st Settings) error {
	domains, err := json.Marshal(st.AllowedDomains)
	if err != nil {
		return err
	}
	row := settingsRow{WorkspaceID: tx.Workspace, InviteMode: string(st.Mode), AllowedDomains: string(domains),
		SSOBypassesInvites: st.SSOBypassesInvite, SCIMBypassesInvites: !st.SCIMRequiresInvite}
	return tx.DB.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"invite_mode", "allowed_domains", "sso_bypasses_invites", "scim_bypasses_invites"}),
	}).Create(&row).Error
}

// markStarted sets the workspace's "first invite made" flag, creating the
// settings row with the defaults if there is none.
func markStarted(tx *store.Tx) error {
	row := settingsRow{WorkspaceID: tx.Workspace, InviteMode: string(ModeAuto), AllowedDomains: "[]",
		SCIMBypassesInvites: true, InvitesStarted: true}
	return tx.DB.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "workspace_id"}},
		DoUpdates: clause.Assignments(map[string]any{"invites_started": true}),
	}).Create(&row).Error
}

// loadGate reads the workspace's settings and flag inside tx. A workspace
// without a settings row has the defaults. Stored settings that do not parse
// are returned as they are, and the gate refuses every sign-up with them
// (fail closed).
func loadGate(tx *store.Tx) (Gate, error) {
	var rows []settingsRow
	if err := tx.DB.Where("workspace_id = ?", tx.Workspace).Limit(1).Find(&rows).Error; err != nil {
		return Gate{}, err
	}
	if len(rows) == 0 {
		return Gate{Settings: Settings{Mode: ModeAuto, AllowedDomains: []string{}}}, nil
	}
	r := rows[0]
	st := Settings{Mode: Mode(r.InviteMode), SSOBypassesInvite: r.SSOBypassesInvites, SCIMRequiresInvite: !r.SCIMBypassesInvites}
	if err := json.Unmarshal([]byte(r.AllowedDomains), &st.AllowedDomains); err != nil {
		st.Mode = Mode("invalid: " + r.InviteMode) // Gate.Check refuses an unknown mode
	}
	if st.AllowedDomains == nil {
		st.AllowedDomains = []string{}
	}
	return Gate{Settings: st, FirstInviteMade: r.InvitesStarted}, nil
}
