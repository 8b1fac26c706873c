package access

import "slices"

// ACL token prefixes. Users and groups are named by id, which is unique across
// workspaces, so renaming a group never changes a token; public and admin
// are qualified by the workspace.
const (
	tokenPublic = "public:"
	tokenAdmin  = "admin:"
	tokenUser   = "user:"
	tokenGroup  = "group:"
)

// ACLFor returns the ACL tokens a user holds, for filtering a search index:
// user:<id>, public:<ws>, group:<id> for each group they are a member of, and
// admin:<ws> for an admin. A user may see a document exactly when its
// [Index.ACLOf] set and this set intersect, which is exactly when
// [Index.Can] allows View. The set is empty for a deactivated or unknown user
// and for a user without a valid stored role. Tokens are sorted.
func (ix *Index) ACLFor(ws, userID string) []string {
	s := ix.space(ws)
	if s == nil {
		return nil
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	u := s.lookupUser(userID)
	if u == nil || !u.active() {
		return nil
	}
	tokens := make([]string, 0, u.groups.len()+3)
	tokens = append(tokens, tokenUser+u.id, tokenPublic+ws)
	if u.roles&bitAdmin != 0 {
		tokens = append(tokens, tokenAdmin+ws)
	}
	for _, g := range u.groups.list() {
		tokens = append(tokens, tokenGroup+s.groups.at(g).id)
	}
	slices.Sort(tokens)
	return tokens
}

// ACLOf returns the ACL tokens of a resource: admin:<ws> if it is registered,
// public:<ws> if it is public, user:<id> for its owner and (agents) each user
// it is shared with, and group:<id> for each attached group. It is empty for
// a resource the index holds no line about or of an unknown kind. Tokens are
// sorted and distinct.
func (ix *Index) ACLOf(ws string, r Resource) []string {
	s := ix.space(ws)
	if s == nil {
		return nil
	}
	tok := s.mu.RLock()
	defer s.mu.RUnlock(tok)
	res := s.lookupResource(r)
	if res == nil {
		return nil
	}
	tokens := make([]string, 0, 2+len(res.ownerList())+len(res.shareList())+res.groups.len())
	if res.exists {
		tokens = append(tokens, tokenAdmin+ws)
	}
	if res.public {
		tokens = append(tokens, tokenPublic+ws)
	}
	for _, us := range slices.Concat(res.ownerList(), res.shareList()) {
		tokens = append(tokens, tokenUser+s.users.at(us).id)
	}
	for _, g := range res.groups.list() {
		tokens = append(tokens, tokenGroup+s.groups.at(g).id)
	}
	slices.Sort(tokens)
	return slices.Compact(tokens)
}
