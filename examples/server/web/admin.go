package web

// settingsPage shows the invite gate settings for an admin to change.
func (h *Handler) settingsPage(c *call) (view, error) {
	var s settingsJSON
	if _, err := c.api.get("/manage/admin/settings", nil, &s); err != nil {
		return view{}, err
	}
	return view{name: "settings", title: "Settings", nav: "settings", data: s}, nil
}
