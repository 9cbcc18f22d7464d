package domain

import "testing"

func TestPublicURL(t *testing.T) {
	for _, tc := range []struct {
		raw, endpoint string
	}{
		{"http://127.0.0.1:8700", "http://127.0.0.1:8700/npm/d/acme-111122223333/web/"},
		{"https://repo.example.com/base/", "https://repo.example.com/base/npm/d/acme-111122223333/web/"},
		{"https://*.repo.example.com", "https://acme-111122223333.repo.example.com/npm/web/"},
		{"http://*.localhost:8700/", "http://acme-111122223333.localhost:8700/npm/web/"},
	} {
		p, err := ParsePublicURL(tc.raw)
		if err != nil {
			t.Errorf("ParsePublicURL(%q): %v", tc.raw, err)
			continue
		}
		if got := p.Endpoint("acme", "111122223333", "web", FormatNpm); got != tc.endpoint {
			t.Errorf("%s: endpoint %q, want %q", tc.raw, got, tc.endpoint)
		}
	}
	for _, raw := range []string{"", "repo.example.com", "ftp://x", "https://a.*.example.com", "https://*example.com", "https://*.example.com/path", "https://*.*.example.com"} {
		if _, err := ParsePublicURL(raw); err == nil {
			t.Errorf("ParsePublicURL(%q) succeeded", raw)
		}
	}

	p, _ := ParsePublicURL("https://*.repo.example.com")
	for host, want := range map[string]string{
		"acme-111122223333.repo.example.com":     "acme-111122223333",
		"acme-111122223333.repo.example.com:443": "acme-111122223333",
		"ACME-111122223333.Repo.Example.com":     "acme-111122223333",
		"repo.example.com":                       "",
		"a.b.repo.example.com":                   "",
		"acme-111122223333.other.example.com":    "",
	} {
		got, ok := p.DomainOwnerOfHost(host)
		if got != want || ok != (want != "") {
			t.Errorf("DomainOwnerOfHost(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
	if got := p.PathStyleBase("repo.example.com"); got != "https://repo.example.com" {
		t.Errorf("PathStyleBase = %q", got)
	}
	plain, _ := ParsePublicURL("http://127.0.0.1:8700")
	if _, ok := plain.DomainOwnerOfHost("acme-111122223333.127.0.0.1"); ok {
		t.Error("a path-style URL claims a host")
	}
}
