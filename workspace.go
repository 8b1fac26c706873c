package roster

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/invites"
	"github.com/rosterhq/roster/ratelimit"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// Actor names who performs a mutating call; see access.Actor. The actor of a
// user is access.UserActor(userID), the one way to name one (an alias here
// would be a second, and packages that import only access need that one).
type Actor = access.Actor

// System is the actor of the embedding application's own jobs and bootstrap.
// It passes every permission check and is audited as "system".
const System = access.System

// Workspace is the handle of one workspace (tenant): every fact lives in
// exactly one workspace and nothing crosses between them. A Workspace is
// safe for concurrent use and cheap to keep; it stays valid until the
// Directory is closed.
type Workspace struct {
	d         *Directory
	id        string
	users     *users.Service
	groups    *groups.Service
	resources *resources.Service
	invites   *invites.Service
	limits    *ratelimit.Service
	tokens    *tokens.Service
	access    *Access
}

// WorkspaceInfo describes a workspace.
type WorkspaceInfo struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

type workspaceRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
}

func (workspaceRow) TableName() string { return "roster_workspaces" }

var workspaceID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// ID returns the workspace id (the casbin domain).
func (w *Workspace) ID() string { return w.id }

// Users returns the workspace's users.
func (w *Workspace) Users() *users.Service { return w.users }

// Groups returns the workspace's groups.
func (w *Workspace) Groups() *groups.Service { return w.groups }

// Resources returns the registry of the workspace's resources' access facts.
func (w *Workspace) Resources() *resources.Service { return w.resources }

// Default returns the default workspace, which Open creates.
func (d *Directory) Default() *Workspace {
	return d.handle(DefaultWorkspace)
}

// Workspace returns the handle of an existing workspace, or an error
// matching ErrNotFound.
func (d *Directory) Workspace(ctx context.Context, id string) (*Workspace, error) {
	db, err := d.st.Read(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	if err := db.Model(&workspaceRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: %q", ErrWorkspaceNotFound, id)
	}
	return d.handle(id), nil
}

// CreateWorkspace creates a workspace. Only System may. The id is 1 to 40
// characters of lowercase letters, digits, '-' and '_', starting with a
// letter or digit; the name is 1 to 200 bytes. An existing id is an error
// matching ErrConflict.
func (d *Directory) CreateWorkspace(ctx context.Context, actor Actor, id, name string) (*Workspace, error) {
	if !workspaceID.MatchString(id) {
		return nil, errs.Errorf(ErrInvalid, "A workspace id is 1 to 40 lowercase letters, digits, dashes and underscores, starting with a letter or digit.", "roster: workspace id %q", id)
	}
	if name == "" || len(name) > 200 {
		return nil, errs.Errorf(ErrInvalid, "A workspace name is 1 to 200 bytes long.", "roster: workspace name must be 1 to 200 bytes")
	}
	if actor != System {
		return nil, errs.Errorf(ErrForbidden, "Only the application itself may create workspaces.", "roster: only System creates workspaces")
	}
	_, err := d.st.Mutate(ctx, id, actor, func(tx *store.Tx) error {
		err := tx.DB.Create(&workspaceRow{ID: id, Name: name, CreatedAt: tx.Now}).Error
		if store.IsUniqueViolation(err) {
			return errs.Errorf(ErrConflict, "A workspace with this id already exists.", "roster: workspace %q exists", id)
		}
		tx.Audit("workspace.create", id, map[string]any{"name": name})
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.handle(id), nil
}

// Workspaces lists every workspace, ordered by id.
func (d *Directory) Workspaces(ctx context.Context) ([]WorkspaceInfo, error) {
	db, err := d.st.Read(ctx)
	if err != nil {
		return nil, err
	}
	var rows []workspaceRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]WorkspaceInfo, len(rows))
	for i, r := range rows {
		out[i] = WorkspaceInfo(r)
	}
	return out, nil
}

func (d *Directory) ensureDefault(ctx context.Context) error {
	if _, err := d.Workspace(ctx, DefaultWorkspace); err == nil {
		return nil
	}
	_, err := d.CreateWorkspace(ctx, System, DefaultWorkspace, "Default")
	if err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return nil
}

// handle returns the cached handle of workspace id, building it once.
func (d *Directory) handle(id string) *Workspace {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w, ok := d.workspaces[id]; ok {
		return w
	}
	w := &Workspace{d: d, id: id}
	var uh userHooks
	var gh construct.GroupHooks
	w.invites = w.newInvites(&uh)
	w.limits = w.newLimits(&uh, &gh)
	newUsers := construct.Get[func(*store.Store, string, []string, userHooks) *users.Service]("users.New")
	newGroups := construct.Get[func(*store.Store, string, construct.GroupHooks) *groups.Service]("groups.New")
	newResources := construct.Get[func(*store.Store, string) *resources.Service]("resources.New")
	w.users = newUsers(d.st, id, d.cfg.AdminEmails, uh)
	w.groups = newGroups(d.st, id, gh)
	w.resources = newResources(d.st, id)
	w.tokens = construct.Get[func(*store.Store, string) *tokens.Service]("tokens.New")(d.st, id)
	w.access = &Access{w: w}
	d.workspaces[id] = w
	return w
}

// userHooks are the operations of other packages that the workspace's users
// run inside their transactions (the invite gate, clean-up at delete).
type userHooks = construct.UserHooks[users.User, users.Registration]
