package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key to
// dir, returning the files and the certificate.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "roster test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// The operations flags: defaults, the ROSTER_* variables, and flags beating
// them.
func TestParseOperationsFlags(t *testing.T) {
	certFile, keyFile, _ := writeCert(t, t.TempDir())
	none := func(string) string { return "" }
	env := map[string]string{"ROSTER_LOG_FORMAT": "json", "ROSTER_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.1",
		"ROSTER_TLS_CERT": certFile, "ROSTER_TLS_KEY": keyFile, "ROSTER_ADMIN_EMAILS": "boss@example.com, ops@example.com"}
	getenv := func(k string) string { return env[k] }

	cfg, err := parseFlags(nil, none, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogFormat != "text" || cfg.TrustedProxies != nil || cfg.TLSCert != "" || cfg.TLSKey != "" || cfg.AdminEmails != nil {
		t.Errorf("defaults: %+v", cfg)
	}

	cfg, err = parseFlags(nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	wantProxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.1/32")}
	if cfg.LogFormat != "json" || !slices.Equal(cfg.TrustedProxies, wantProxies) || cfg.TLSCert != certFile || cfg.TLSKey != keyFile ||
		!slices.Equal(cfg.AdminEmails, []string{"boss@example.com", "ops@example.com"}) {
		t.Errorf("environment: %+v", cfg)
	}

	cfg, err = parseFlags([]string{"-log-format", "text", "-trusted-proxies", "2001:db8::/32", "-admin-emails", "chief@example.com",
		"-tls-cert", "", "-tls-key", ""}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogFormat != "text" || !slices.Equal(cfg.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}) ||
		cfg.TLSCert != "" || !slices.Equal(cfg.AdminEmails, []string{"chief@example.com"}) {
		t.Errorf("flags beat the environment: %+v", cfg)
	}
}

// Bad operations flags stop the server with a message naming the flag.
func TestParseOperationsFlagsRefusesBadInput(t *testing.T) {
	certFile, keyFile, _ := writeCert(t, t.TempDir())
	none := func(string) string { return "" }
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-log-format", "xml"}, `-log-format "xml" is neither text nor json`},
		{[]string{"-trusted-proxies", "10.0.0.0/8,proxy.example.com"}, `-trusted-proxies: "proxy.example.com" is neither a CIDR prefix such as 10.0.0.0/8 nor an IP address`},
		{[]string{"-trusted-proxies", "10.0.0.0/40"}, `-trusted-proxies: "10.0.0.0/40" is neither`},
		{[]string{"-tls-cert", certFile}, "-tls-cert and -tls-key go together: give both or neither"},
		{[]string{"-tls-key", keyFile}, "-tls-cert and -tls-key go together: give both or neither"},
		{[]string{"-tls-cert", certFile + ".missing", "-tls-key", keyFile}, "-tls-cert and -tls-key: open " + certFile + ".missing"},
		{[]string{"-tls-cert", keyFile, "-tls-key", certFile}, "-tls-cert and -tls-key: "},
		{[]string{"-admin-emails", "boss@example.com,not an address"}, `-admin-emails: "not an address" is not an email address`},
	} {
		_, err := parseFlags(c.args, none, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("parseFlags(%q) = %v, want an error with %q", c.args, err, c.msg)
		}
	}
}

// TestMain runs the tests, or, when ROSTER_TEST_MAIN is set, the real
// command: main with the arguments it holds (JSON), so that
// TestMainExitsWithStatus2 sees the exit status and output a person would.
func TestMain(m *testing.M) {
	raw := os.Getenv("ROSTER_TEST_MAIN")
	if raw == "" {
		// Every goroutine a test starts (servers, Directories, listeners,
		// browsers) must be gone when the tests end.
		goleak.VerifyTestMain(m)
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "ROSTER_TEST_MAIN:", err)
		os.Exit(3)
	}
	os.Args = append([]string{"server"}, args...)
	main()
	os.Exit(0)
}

// Bad flag input makes the command print one readable line and exit with
// status 2, before it opens anything.
func TestMainExitsWithStatus2(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-log-format", "xml"}, `server: -log-format "xml" is neither text nor json`},
		{[]string{"-trusted-proxies", "nope"}, `server: -trusted-proxies: "nope" is neither a CIDR prefix`},
		{[]string{"-tls-cert", "cert.pem"}, "server: -tls-cert and -tls-key go together: give both or neither"},
		{[]string{"-admin-emails", "nobody"}, `server: -admin-emails: "nobody" is not an email address`},
	} {
		args, _ := json.Marshal(append([]string{"-data", data}, c.args...))
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "ROSTER_TEST_MAIN="+string(args))
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("%q: %v, want exit status 2; output:\n%s", c.args, err, out)
			continue
		}
		if !strings.Contains(string(out), c.msg) {
			t.Errorf("%q: output %q, want %q", c.args, out, c.msg)
		}
		if entries, _ := os.ReadDir(data); len(entries) != 0 {
			t.Errorf("%q: the data directory holds %d entries, want none", c.args, len(entries))
		}
	}
}

// With -tls-cert and -tls-key the server answers HTTPS with the
// certificate, and its start-up line and links say https.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, cert := writeCert(t, t.TempDir())
	cfg, err := parseFlags([]string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-tls-cert", certFile, "-tls-key", keyFile}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cfg.Out = pw
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg) }()
	const prefix = "roster example server on "
	br := bufio.NewReader(pr)
	var line string
	for !strings.HasPrefix(line, prefix) {
		if line, err = br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	go io.Copy(io.Discard, br) // later output (mail) must not block
	if !strings.HasPrefix(line, prefix+"https://127.0.0.1:") {
		t.Fatalf("start-up line %q, want an https URL", line)
	}
	base := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(line, prefix))[0], "/")

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || !resp.TLS.PeerCertificates[0].Equal(cert) {
		t.Errorf("GET /healthz over TLS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port is not served.
	plain, err := http.Get("http://" + strings.TrimPrefix(base, "https://") + "/healthz")
	if err == nil {
		plain.Body.Close()
		if plain.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	pw.Close()
}

// -admin-emails reaches roster: a listed email becomes admin when it signs
// up, an unlisted one does not.
func TestAdminEmails(t *testing.T) {
	cfg, err := parseFlags([]string{"-admin-emails", "Boss@Example.com"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(c *config) { c.AdminEmails = cfg.AdminEmails })
	ts.register("first@example.com", "") // the first user is admin anyway
	if u := ts.register("someone@example.com", ""); u.Role != "basic" {
		t.Errorf("unlisted email: role %q, want basic", u.Role)
	}
	if u := ts.register("boss@example.com", ""); u.Role != "admin" {
		t.Errorf("listed email: role %q, want admin", u.Role)
	}
}

// -log-format text writes the access log as text lines.
func TestLogFormatText(t *testing.T) {
	var out syncBuffer
	ts := newTestServer(t, func(c *config) { c.Logger = newLogger("text", &out) })
	want(t, "healthz", ts.client().do(http.MethodGet, "/healthz", nil), http.StatusOK, "")
	if got := out.String(); !strings.Contains(got, `msg=request method=GET route="GET /healthz" status=200 duration=`) {
		t.Errorf("text access log: %q", got)
	}
}
