package web

// The signed-out pages post to the example server's sign-in routes
// (/auth/login, /auth/register, /auth/forgot-password,
// /auth/reset-password); the home page shows the signed-in user.

type tokenView struct{ Token string }

func (h *Handler) signinPage(c *call) (view, error) {
	return view{name: "signin", title: "Sign in"}, nil
}

// signupPage is the sign-up form; ?token= carries an invitation's link
// token, which the sign-up sends as invite_token (needed while the
// workspace admits invited emails only).
func (h *Handler) signupPage(c *call) (view, error) {
	return view{name: "signup", title: "Create your account", data: tokenView{c.r.URL.Query().Get("token")}}, nil
}

func (h *Handler) forgotPage(c *call) (view, error) {
	return view{name: "forgot", title: "Forgot your password?"}, nil
}

// resetPage is the form of a password-reset link (?token=); the API judges
// the token when the form is sent.
func (h *Handler) resetPage(c *call) (view, error) {
	return view{name: "reset", title: "Choose a new password", data: tokenView{c.r.URL.Query().Get("token")}}, nil
}

type budgetRow struct {
	Scope     string
	Limited   bool
	Remaining float64
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
		rows = append(rows, budgetRow{Scope: scope, Limited: s.Limited, Remaining: s.Remaining})
	}
	return view{name: "home", title: "Your account", nav: "home", data: struct{ Budget []budgetRow }{rows}}, nil
}
