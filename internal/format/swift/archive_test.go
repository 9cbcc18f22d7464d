package swift

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

type zipEntry struct {
	name string
	body string
	mode fs.FileMode
}

func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func inspect(b []byte) (*Archive, error) { return InspectArchive(bytes.NewReader(b), int64(len(b))) }

func TestInspectArchive(t *testing.T) {
	manifest := "// swift-tools-version:5.9\nimport PackageDescription\n"
	a, err := inspect(buildZip(t,
		zipEntry{name: "Kit/"},
		zipEntry{name: "Kit/Package@swift-5.7.swift", body: "// swift-tools-version: 5.7\n"},
		zipEntry{name: "Kit/Package.swift", body: manifest},
		zipEntry{name: "Kit/README.md", body: "# Kit\n"},
		zipEntry{name: "Kit/Sources/Kit/Package.swift", body: "not the manifest"},
		zipEntry{name: "Kit/Package@swift-x.swift", body: "not a versioned manifest"},
	))
	if err != nil {
		t.Fatal(err)
	}
	if a.Top != "Kit" || a.Readme != "# Kit\n" || len(a.Manifests) != 2 ||
		a.Manifests[0].Name != "Package.swift" || a.Manifests[0].ToolsVersion != "5.9" || string(a.Manifests[0].Content) != manifest ||
		a.Manifests[1].Name != "Package@swift-5.7.swift" || a.Manifests[1].ToolsVersion != "5.7" {
		t.Errorf("got %+v", a)
	}

	big := strings.Repeat("x", MaxManifestBytes+1)
	for what, c := range map[string]struct {
		zip  []byte
		want string
	}{
		"not a zip":        {[]byte("PK nothing"), "not a valid zip"},
		"empty":            {buildZip(t), "empty"},
		"no manifest":      {buildZip(t, zipEntry{name: "Kit/a.swift"}), "Package.swift is missing"},
		"manifest at root": {buildZip(t, zipEntry{name: "Package.swift", body: manifest}), "single top-level directory"},
		"two tops":         {buildZip(t, zipEntry{name: "Kit/Package.swift"}, zipEntry{name: "Other/x"}), "single top-level directory"},
		"parent":           {buildZip(t, zipEntry{name: "Kit/Package.swift"}, zipEntry{name: "Kit/../../etc/passwd"}), `".."`},
		"absolute":         {buildZip(t, zipEntry{name: "/Kit/Package.swift"}), "absolute"},
		"drive":            {buildZip(t, zipEntry{name: "C:/Kit/Package.swift"}), "absolute"},
		"backslash":        {buildZip(t, zipEntry{name: "Kit\\Package.swift"}), "invalid name"},
		"empty segment":    {buildZip(t, zipEntry{name: "Kit//Package.swift"}), "empty"},
		"duplicate":        {buildZip(t, zipEntry{name: "Kit/Package.swift"}, zipEntry{name: "Kit/Package.swift"}), "twice"},
		"symlink":          {buildZip(t, zipEntry{name: "Kit/Package.swift"}, zipEntry{name: "Kit/link", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777}), "not a regular file"},
		"huge manifest":    {buildZip(t, zipEntry{name: "Kit/Package.swift", body: big}), "larger than"},
		"invalid UTF-8":    {buildZip(t, zipEntry{name: "Kit/\xff"}), "invalid name"},
	} {
		_, err := inspect(c.zip)
		var ae *archiveError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an archive error with %q", what, err, c.want)
		}
	}
}

func TestToolsVersion(t *testing.T) {
	for in, want := range map[string]string{
		"// swift-tools-version:5.9\n":                        "5.9",
		"// swift-tools-version: 5.7.1\nimport":               "5.7.1",
		"//swift-tools-version:4.0":                           "4.0",
		"// swift-tools-version:5.9; (xcode)\n":               "5.9",
		"// Swift-Tools-Version : 5.8\n":                      "5.8",
		"\ufeff// swift-tools-version:5.5\n":                  "5.5",
		"import PackageDescription\n// swift-tools-version:5": "",
		"// swift-tools-version:\n":                           "",
		"// swift-tools-version:5..1\n":                       "",
		"":                                                    "",
	} {
		if got := ToolsVersion([]byte(in)); got != want {
			t.Errorf("ToolsVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
