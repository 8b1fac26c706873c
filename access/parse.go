package access

import "strings"

// factOp is what one policy line states.
type factOp uint8

const (
	opRole        factOp = iota + 1 // g, u:<user>, role:<role>, <ws>
	opDeactivated                   // g, u:<user>, deactivated, <ws>
	opMember                        // g, u:<user>, g:<group>, <ws>
	opCurate                        // p, u:<user>, <ws>, g:<group>, curate
	opAttach                        // p, g:<group>, <ws>, <kind>:<id>, view
	opPublic                        // p, public, <ws>, <kind>:<id>, view
	opOwn                           // p, u:<user>, <ws>, <kind>:<id>, own
	opShare                         // p, u:<user>, <ws>, agent:<id>, view
	opExists                        // p, -, <ws>, <kind>:<id>, exists
)

// kindIdx is a resource kind as a small integer, for array indexing.
type kindIdx uint8

const numKinds = 3

// kindIndex maps a Kind to its index without allocating.
func kindIndex(k Kind) (kindIdx, bool) {
	switch k {
	case Connector:
		return 0, true
	case DocumentSet:
		return 1, true
	case Agent:
		return 2, true
	}
	return 0, false
}

// kindOf is the inverse of kindIndex.
func kindOf(k kindIdx) Kind { return [numKinds]Kind{Connector, DocumentSet, Agent}[k] }

// roleSet holds a user's stored roles, one bit each.
type roleSet uint8

const (
	bitAdmin roleSet = 1 << iota
	bitGlobalCurator
	bitBasic
	bitLimited
)

func roleBit(r Role) roleSet {
	switch r {
	case Admin:
		return bitAdmin
	case GlobalCurator:
		return bitGlobalCurator
	case Basic:
		return bitBasic
	case Limited:
		return bitLimited
	}
	return 0
}

// fact is a parsed policy line. Ids are bare (no u:, g: or kind: prefix) and
// still point into the line's strings; the space clones them once when it
// creates the entity they name.
type fact struct {
	op    factOp
	ws    string
	user  string
	group string
	role  roleSet
	kind  kindIdx
	res   string
}

// parseLine decodes a line spelled as policy.go spells it. Anything else (an
// unknown policy type, role, kind or action, an empty id, a stored curator
// role, a direct share of anything but an agent, a fifth or sixth value) is
// reported as not understood, and the index ignores it: it can only ever
// deny.
func parseLine(l Line) (fact, bool) {
	if l.V4 != "" || l.V5 != "" {
		return fact{}, false
	}
	switch l.PType {
	case GroupingType:
		return parseGrouping(l)
	case PolicyType:
		return parsePolicy(l)
	}
	return fact{}, false
}

func parseGrouping(l Line) (fact, bool) {
	f := fact{ws: l.V2}
	user, ok := bareID(l.V0, userPrefix)
	if !ok || l.V2 == "" || l.V3 != "" {
		return fact{}, false
	}
	f.user = user
	switch {
	case l.V1 == deactivatedName:
		f.op = opDeactivated
	case strings.HasPrefix(l.V1, rolePrefix):
		f.op, f.role = opRole, roleBit(Role(l.V1[len(rolePrefix):]))
		if f.role == 0 {
			return fact{}, false
		}
	default:
		if f.group, ok = bareID(l.V1, groupPrefix); !ok {
			return fact{}, false
		}
		f.op = opMember
	}
	return f, true
}

func parsePolicy(l Line) (fact, bool) {
	f := fact{ws: l.V1}
	if l.V1 == "" {
		return fact{}, false
	}
	if l.V3 == actCurate {
		user, okU := bareID(l.V0, userPrefix)
		group, okG := bareID(l.V2, groupPrefix)
		f.op, f.user, f.group = opCurate, user, group
		return f, okU && okG
	}
	kind, id, ok := strings.Cut(l.V2, ":")
	k, okK := kindIndex(Kind(kind))
	if !ok || !okK || id == "" {
		return fact{}, false
	}
	f.kind, f.res = k, id
	return f, policySubject(&f, l.V0, l.V3)
}

// policySubject fills in the subject and op of a resource line.
func policySubject(f *fact, sub, act string) bool {
	var ok bool
	switch act {
	case actExists:
		f.op, ok = opExists, sub == noSubject
	case actOwn:
		f.op = opOwn
		f.user, ok = bareID(sub, userPrefix)
	case string(View):
		switch {
		case sub == publicSubject:
			f.op, ok = opPublic, true
		case strings.HasPrefix(sub, groupPrefix):
			f.op = opAttach
			f.group, ok = bareID(sub, groupPrefix)
		default:
			f.op = opShare
			f.user, ok = bareID(sub, userPrefix)
			ok = ok && kindOf(f.kind) == Agent
		}
	}
	return ok
}

// bareID strips prefix from s and reports whether a non-empty id remains.
func bareID(s, prefix string) (string, bool) {
	id, ok := strings.CutPrefix(s, prefix)
	return id, ok && id != ""
}
