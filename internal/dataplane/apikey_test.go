package dataplane

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestNuGetAPIKeyHeader: `dotnet nuget push -k TOKEN` sends the key in
// X-NuGet-ApiKey ("Push and delete": "The API key header is
// X-NuGet-ApiKey"); it is the token when there is no Authorization
// header, and Authorization wins when both come.
func TestNuGetAPIKeyHeader(t *testing.T) {
	for _, c := range []struct{ auth, key, want string }{
		{"", "tok.en", "tok.en"},
		{"", "  spaced  ", "spaced"},
		{"Bearer other", "tok.en", "other"},
		{"", "", ""},
	} {
		r := httptest.NewRequest(http.MethodPut, "/", nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if c.key != "" {
			r.Header.Set("X-NuGet-ApiKey", c.key)
		}
		if got := bearerToken(r); got != c.want {
			t.Errorf("Authorization %q, X-NuGet-ApiKey %q: token %q, want %q", c.auth, c.key, got, c.want)
		}
	}
}
