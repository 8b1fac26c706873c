package main

import (
	"io"
	"testing"
)

// Flags default to the built-in values, the environment replaces those
// defaults, and a flag on the command line beats both.
func TestParseFlags(t *testing.T) {
	env := map[string]string{"ROSTER_ADDR": "127.0.0.1:9000", "ROSTER_DATA": "/env/data", "ROSTER_SMTP_PORT": "2525",
		"ROSTER_SMTP_HOST": "mail.example.com", "ROSTER_SMTP_PASSWORD": "secret"}
	getenv := func(k string) string { return env[k] }
	none := func(string) string { return "" }

	cases := []struct {
		what       string
		args       []string
		getenv     func(string) string
		addr, data string
		smtpPort   int
	}{
		{"defaults", nil, none, defaultAddr, defaultData, 587},
		{"environment", nil, getenv, "127.0.0.1:9000", "/env/data", 2525},
		{"flags beat the environment", []string{"-addr", ":1", "-data", "d", "-smtp-port", "25"}, getenv, ":1", "d", 25},
	}
	for _, c := range cases {
		cfg, err := parseFlags(c.args, c.getenv, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if cfg.Addr != c.addr || cfg.Data != c.data || cfg.SMTP.Port != c.smtpPort {
			t.Errorf("%s: addr %q data %q port %d, want %q %q %d", c.what, cfg.Addr, cfg.Data, cfg.SMTP.Port, c.addr, c.data, c.smtpPort)
		}
	}
	cfg, err := parseFlags([]string{"-postgres", "postgres://u@h/db"}, getenv, io.Discard)
	if err != nil || cfg.Postgres != "postgres://u@h/db" || cfg.SMTP.Host != "mail.example.com" || cfg.SMTP.Password != "secret" {
		t.Errorf("postgres and SMTP from the environment: %+v, %v", cfg, err)
	}
	for _, args := range [][]string{{"-smtp-port", "http"}, {"-smtp-port", "70000"}, {"-nope"}, {"extra"}} {
		if _, err := parseFlags(args, none, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

// A bad SMTP configuration or public URL stops the server before it opens
// anything.
func TestNewServerRefusesBadConfig(t *testing.T) {
	for _, cfg := range []config{
		{Data: t.TempDir()}, // no public URL
		{Data: t.TempDir(), PublicURL: "/relative"},
		{Data: t.TempDir(), PublicURL: "http://127.0.0.1:1", SMTP: smtpConfig{Host: "mail.example.com"}},                             // no From
		{Data: t.TempDir(), PublicURL: "http://127.0.0.1:1", SMTP: smtpConfig{Host: "mail.example.com", From: "a@b.c", TLS: "sure"}}, // policy
	} {
		if s, err := newServer(t.Context(), cfg); err == nil {
			s.Close()
			t.Errorf("newServer(%+v) accepted", cfg)
		}
	}
}
