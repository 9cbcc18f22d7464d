package conformance

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// cargoMeta is the publish metadata cargo sends for a crate without
// dependencies.
func cargoMeta(name, version string) map[string]any {
	return map[string]any{"name": name, "vers": version, "deps": []any{}, "features": map[string]any{},
		"authors": []string{}, "description": "d", "license": "MIT", "keywords": []string{}, "categories": []string{},
		"badges": map[string]any{}, "links": nil}
}

// TestCargoProtocol drives the publish API with hand-made frames: the
// config, the answers cargo prints for refused publishes (and that nothing
// of them is kept), name rules, immutability and the index lines.
func TestCargoProtocol(t *testing.T) {
	t.Parallel()
	p := newCargoRepo(t)
	ctx := t.Context()

	resp, body := p.do(t, http.MethodGet, "config.json", p.token, nil)
	var cfg map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &cfg) != nil {
		t.Fatalf("config.json: %d %s", resp.StatusCode, body)
	}
	if cfg["dl"] != p.endpoint+"api/v1/crates" || cfg["api"] != strings.TrimSuffix(p.endpoint, "/") || cfg["auth-required"] != true {
		t.Errorf("config.json = %s", body)
	}
	// p.do sends the bare token as cargo does; Bearer and Basic work too.
	for _, auth := range []string{"Bearer " + p.token, "Basic " + base64.StdEncoding.EncodeToString([]byte("aws:"+p.token))} {
		if resp, _ := p.do(t, http.MethodGet, "config.json", auth, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s…: %d", auth[:6], resp.StatusCode)
		}
	}
	if resp, _ := p.do(t, http.MethodGet, "config.json", "Bearer wrong", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d, want 401", resp.StatusCode)
	}

	publish := func(meta map[string]any, crate []byte, token string) (int, string) {
		t.Helper()
		resp, body := p.do(t, http.MethodPut, "api/v1/crates/new", token, cargoFrame(meta, crate))
		return resp.StatusCode, string(body)
	}
	good := cargoCrate{Name: "Proto_Crate", Version: "1.0.0", Files: map[string]string{"src/lib.rs": "\n"}}
	crate := good.dotCrate(t)

	if code, body := publish(cargoMeta("Proto_Crate", "1.0.0"), crate, ""); code != http.StatusUnauthorized {
		t.Errorf("publish without a token: %d %s", code, body)
	}
	refused := []struct {
		name  string
		meta  map[string]any
		crate []byte
		want  string
	}{
		{"bad name", cargoMeta("1abc", "1.0.0"), crate, "invalid crate name"},
		{"long name", cargoMeta(strings.Repeat("a", 65), "1.0.0"), crate, "invalid crate name"},
		{"bad version", cargoMeta("Proto_Crate", "1.0"), crate, "SemVer"},
		{"not gzip", cargoMeta("Proto_Crate", "1.0.0"), []byte("not a crate"), "gzip"},
		{"path outside", cargoMeta("Proto_Crate", "1.0.0"), cargoTarGz(t, "Proto_Crate-1.0.0/", map[string]string{"Cargo.toml": "", "../evil": "x"}), "leaves its directory"},
		{"wrong prefix", cargoMeta("Proto_Crate", "1.0.0"), cargoTarGz(t, "other-1.0.0/", map[string]string{"Cargo.toml": ""}), "not under"},
		{"no manifest", cargoMeta("Proto_Crate", "1.0.0"), cargoTarGz(t, "Proto_Crate-1.0.0/", map[string]string{"src/lib.rs": ""}), "Cargo.toml"},
	}
	for _, c := range refused {
		code, body := publish(c.meta, c.crate, p.token)
		var doc struct{ Errors []struct{ Detail string } }
		if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &doc) != nil || len(doc.Errors) != 1 || !strings.Contains(doc.Errors[0].Detail, c.want) {
			t.Errorf("%s: %d %s, want 400 with %q", c.name, code, body, c.want)
		}
	}
	if resp, _ := p.do(t, http.MethodPut, "api/v1/crates/new", p.token, []byte{1, 2}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("truncated frame: %d", resp.StatusCode)
	}
	if _, err := p.c.DescribePackage(ctx, &codeartifact.DescribePackageInput{Domain: aws.String(p.domain), Repository: aws.String(p.repo),
		Format: types.PackageFormatCargo, Package: aws.String("proto-crate")}); harness.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("refused publishes left a package: %v", err)
	}

	meta := cargoMeta("Proto_Crate", "1.0.0")
	meta["deps"] = []any{map[string]any{"name": "real-name", "version_req": "^2", "features": []string{"x"}, "optional": true,
		"default_features": false, "target": "cfg(unix)", "kind": "normal", "registry": nil, "explicit_name_in_toml": "renamed"}}
	meta["features"] = map[string]any{"plain": []string{}, "new": []string{"dep:renamed"}}
	meta["rust_version"] = "1.70"
	meta["links"] = "z"
	if code, body := publish(meta, crate, p.token); code != http.StatusOK || !strings.Contains(body, `"warnings"`) {
		t.Fatalf("publish: %d %s", code, body)
	}
	// Immutable: the same version again, another spelling of the name.
	if code, body := publish(meta, crate, p.token); code != http.StatusConflict || !strings.Contains(body, "already uploaded") {
		t.Errorf("republish: %d %s", code, body)
	}
	other := cargoCrate{Name: "proto-crate", Version: "1.0.1", Files: map[string]string{"src/lib.rs": "\n"}}
	if code, body := publish(cargoMeta("proto-crate", "1.0.1"), other.dotCrate(t), p.token); code != http.StatusBadRequest || !strings.Contains(body, "was published as Proto_Crate") {
		t.Errorf("another spelling: %d %s", code, body)
	}

	lines := p.indexLines(t, "pr/ot/proto_crate")
	l := lines["1.0.0"]
	if l == nil || l["name"] != "Proto_Crate" || l["cksum"] != cargoSHA256(crate) || l["v"] != float64(2) || l["rust_version"] != "1.70" || l["links"] != "z" {
		t.Fatalf("index line: %v", l)
	}
	if f2, _ := l["features2"].(map[string]any); f2["new"] == nil || l["features"].(map[string]any)["plain"] == nil {
		t.Errorf("features %v features2 %v", l["features"], l["features2"])
	}
	dep := l["deps"].([]any)[0].(map[string]any)
	if dep["name"] != "renamed" || dep["package"] != "real-name" || dep["req"] != "^2" || dep["target"] != "cfg(unix)" || dep["optional"] != true || dep["default_features"] != false {
		t.Errorf("dep line: %v", dep)
	}
	// CopyPackageVersions: the copy is in the other repository's index at
	// once, downloads, and keeps the crate's spelling.
	harness.CreateRepository(t, p.c, p.domain, "other")
	if _, err := p.c.CopyPackageVersions(ctx, &codeartifact.CopyPackageVersionsInput{Domain: aws.String(p.domain),
		SourceRepository: aws.String(p.repo), DestinationRepository: aws.String("other"), Format: types.PackageFormatCargo,
		Package: aws.String("proto-crate"), Versions: []string{"1.0.0"}}); err != nil {
		t.Fatal(err)
	}
	other2 := cargoRepoOf(t, p.s, p.c, "other")
	if l := other2.indexLines(t, "pr/ot/proto_crate"); l["1.0.0"]["name"] != "Proto_Crate" || l["1.0.0"]["cksum"] != cargoSHA256(crate) {
		t.Errorf("index of the copy: %v", l)
	}
	if resp, body := other2.do(t, http.MethodGet, "api/v1/crates/Proto_Crate/1.0.0/download", other2.token, nil); resp.StatusCode != http.StatusOK || cargoSHA256(body) != cargoSHA256(crate) {
		t.Errorf("download of the copy: %d", resp.StatusCode)
	}
	resp, body = other2.do(t, http.MethodPut, "api/v1/crates/new", other2.token, cargoFrame(cargoMeta("proto-crate", "1.0.1"), other.dotCrate(t)))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "was published as Proto_Crate") {
		t.Errorf("another spelling in the copy's repository: %d %s", resp.StatusCode, body)
	}

	// Index paths of every length; a path that is not the crate's is 404.
	for _, c := range []struct{ name, path string }{{"a", "1/a"}, {"ab", "2/ab"}, {"abc", "3/a/abc"}} {
		cr := cargoCrate{Name: c.name, Version: "0.1.0", Files: map[string]string{"src/lib.rs": "\n"}}
		if code, body := publish(cargoMeta(c.name, "0.1.0"), cr.dotCrate(t), p.token); code != http.StatusOK {
			t.Fatalf("publish %s: %d %s", c.name, code, body)
		}
		if lines := p.indexLines(t, c.path); lines["0.1.0"] == nil {
			t.Errorf("index %s: %v", c.path, lines)
		}
	}
	if resp, _ := p.do(t, http.MethodGet, "3/b/abc", p.token, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("wrong index path: %d", resp.StatusCode)
	}
	if resp, _ := p.do(t, http.MethodGet, "no/ne/none-such", p.token, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown crate: %d", resp.StatusCode)
	}
}
