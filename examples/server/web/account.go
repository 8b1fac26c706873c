package web

// The signed-out pages post to the example server's sign-in routes
// (/auth/login, /auth/register, /auth/forgot-password,
// /auth/reset-password); the home page shows the signed-in user.

// tokenView is the data of the sign-up and reset forms: the link token, and
// for sign-up whether it creates the workspace's first account (its admin).
type tokenView struct {
	Token string
	First bool
}

// signinPage is the sign-in form; on a workspace without users it is the
// sign-up form of the admin account instead, as there is no one to sign in.
func (h *Handler) signinPage(c *call) (view, error) {
	if first, err := h.noUsers(c); err != nil || first {
		return view{name: "signup", title: "Create the admin account", data: tokenView{First: true}}, err
	}
	return view{name: "signin", title: "Sign in"}, nil
}

// signupPage is the sign-up form; ?token= carries an invitation's link
// token, which the sign-up sends as invite_token (needed while the
// workspace admits invited emails only).
func (h *Handler) signupPage(c *call) (view, error) {
	v := tokenView{Token: c.r.URL.Query().Get("token")}
	var err error
	if v.First, err = h.noUsers(c); err != nil || v.First {
		return view{name: "signup", title: "Create the admin account", data: v}, err
	}
	return view{name: "signup", title: "Create your account", data: v}, nil
}

// noUsers asks Options.NoUsers whether the workspace has no user yet.
func (h *Handler) noUsers(c *call) (bool, error) {
	if h.opts.NoUsers == nil {
		return false, nil
	}
	return h.opts.NoUsers(c.r.Context())
}

// mailView is the data of pages that make the server send mail: whether it
// is printed on the server's output (the development mailer) instead.
type mailView struct{ MailPrinted bool }

func (h *Handler) forgotPage(c *call) (view, error) {
	return view{name: "forgot", title: "Forgot your password?", data: mailView{h.opts.MailPrinted}}, nil
}

// resetPage is the form of a password-reset link (?token=); the API judges
// the token when the form is sent.
func (h *Handler) resetPage(c *call) (view, error) {
	return view{name: "reset", title: "Choose a new password", data: tokenView{Token: c.r.URL.Query().Get("token")}}, nil
}

// budgetRow is one scope of the token budget. Remaining is never below
// zero: a budget overdrawn by a large message is shown as used up (Over),
// not as a negative amount.
type budgetRow struct {
	Scope     string
	Limited   bool
	Remaining float64 // thousands of tokens
	Over      bool    // used up or overdrawn: messages are refused until it refills
}

// homePage shows the signed-in user, their groups and token budget.
func (h *Handler) homePage(c *call) (view, error) {
	var tb tokenBudgetJSON
	if _, err := c.api.get("/me/token-budget", nil, &tb); err != nil {
		return view{}, err
	}
	var rows []budgetRow
	for _, scope := range []string{"user", "group", "global"} {
		s := tb[scope]
		rows = append(rows, budgetRow{Scope: scope, Limited: s.Limited, Remaining: max(s.Remaining, 0), Over: s.Limited && s.Remaining <= 0})
	}
	return view{name: "home", title: "Your account", nav: "home", data: struct{ Budget []budgetRow }{rows}}, nil
}
