package invites

import "testing"

func BenchmarkRenderDefaults(b *testing.B) {
	inv := testInvitation()
	for b.Loop() {
		if _, err := (Templates{}).Render(inv); err != nil {
			b.Fatal(err)
		}
	}
}
