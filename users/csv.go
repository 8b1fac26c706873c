package users

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
)

// WriteCSV writes every user the filter matches (ignoring its paging) as CSV
// with the header Email, Role, Status (Status is "Active" or "Inactive").
// Cells that a spreadsheet would run as a formula (starting with =, +, -, @,
// tab or carriage return) are prefixed with a single quote.
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, f Filter) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"Email", "Role", "Status"}); err != nil {
		return err
	}
	f.Limit = MaxPageSize
	for f.Offset = 0; ; f.Offset += MaxPageSize {
		page, err := s.List(ctx, f)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			status := "Active"
			if !u.Active {
				status = "Inactive"
			}
			if err := cw.Write([]string{csvCell(u.Email), string(u.Role), status}); err != nil {
				return err
			}
		}
		if len(page.Users) < MaxPageSize {
			break
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
