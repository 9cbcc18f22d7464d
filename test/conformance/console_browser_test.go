package conformance

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/artifactd/artifactd/test/harness"
)

// TestConsoleBrowser is the console's journey in a real headless Chromium,
// driven through the DevTools protocol: sign in with the administrator's
// access key, find a package that npm published by name, archive two of
// its versions (npm stops offering them), then delete one through the
// confirmation. Screenshots of each step go to
// $ARTIFACTD_CONSOLE_SCREENSHOTS (docs/img to refresh the docs), or to a
// temporary folder.
func TestConsoleBrowser(t *testing.T) {
	chromium := consoleChromium(t)
	e := npmStart(t, harness.WithArgs("--console"))
	const pkg = "console-demo"
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0"} {
		e.publish(t, npmPkg{name: pkg, version: v, extra: map[string]any{"description": "A demo package for the console"},
			readme: "# console-demo\n\nA package published with npm " + v + " to show the console.\n\n    npm install console-demo\n"})
	}
	// Neighbours for the search to find (and one it must not).
	for _, name := range []string{"console-theme", "console-utils", "other-tool"} {
		e.publish(t, npmPkg{name: name, version: "0.1.0"})
	}
	shots := os.Getenv("ARTIFACTD_CONSOLE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"), chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelA()
	ctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelT()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\nat %s:\n%s\nserver logs:\n%s", what, err, loc, body, npmTail(e.srv.Logs(), 20))
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	var files []string
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(shots, "console-"+name+".png")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}

	// Sign in through the form.
	do("sign-in page", chromedp.Navigate(e.srv.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#access_key_id")),
		chromedp.SendKeys(chromedp.CSS("#access_key_id"), e.srv.AccessKey))
	shot("signin")
	do("sign in", chromedp.SendKeys(chromedp.CSS("#secret_access_key"), e.srv.SecretKey), chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="d=npmdom"]`)))

	// The repository page: endpoints and client set-up.
	do("repository page", chromedp.Navigate(e.srv.URL+"/console/repository?d=npmdom&r=npmrepo"),
		chromedp.WaitVisible(chromedp.CSS("table.endpoints")))
	if got := text("table.endpoints"); !strings.Contains(got, "aws codeartifact login --tool npm --domain npmdom") {
		t.Errorf("repository set-up: %s", got)
	}
	shot("repository")
	do("domains", chromedp.Navigate(e.srv.URL+"/console/domains"), chromedp.WaitVisible(chromedp.CSS(`a[href*="d=npmdom"]`)))

	// Find the package by name across the domain.
	do("domain page", chromedp.Click(chromedp.CSS(`a[href*="d=npmdom"]`)), chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "console-"), chromedp.Click(chromedp.CSS("#search")),
		chromedp.WaitVisible(chromedp.CSS("#results")))
	if got := text("#results"); !strings.Contains(got, pkg) || !strings.Contains(got, "console-utils") || strings.Contains(got, "other-tool") {
		t.Fatalf("search results: %s", got)
	}
	shot("packages")
	do("package page", chromedp.Click(chromedp.CSS(`#results a[href*="p=`+pkg+`"]`)), chromedp.WaitVisible(chromedp.CSS("#versions")))
	if got := text("#versions"); !strings.Contains(got, "1.0.0") || !strings.Contains(got, "2.0.0") {
		t.Fatalf("versions: %s", got)
	}
	if got := text("#readme"); !strings.Contains(got, "published with npm 2.0.0") {
		t.Errorf("readme: %s", got)
	}
	shot("package")

	// Archive two versions: npm stops offering them.
	do("archive", chromedp.Click(chromedp.CSS(`input[value="1.0.0"]`)), chromedp.Click(chromedp.CSS(`input[value="1.1.0"]`)),
		chromedp.Click(chromedp.CSS("#archive")), chromedp.WaitVisible(chromedp.CSS("#successful")))
	if got := text("#successful"); strings.Count(got, "Archived") != 2 || !strings.Contains(got, "1.0.0") || !strings.Contains(got, "1.1.0") {
		t.Fatalf("archive results: %s", got)
	}
	offered := func() []string {
		var vs []string
		for _, v := range e.viewJSON(t, pkg, "versions").([]any) {
			vs = append(vs, v.(string))
		}
		return vs
	}
	if vs := offered(); slices.Contains(vs, "1.0.0") || slices.Contains(vs, "1.1.0") || !slices.Contains(vs, "1.2.0") {
		t.Fatalf("npm view versions after archiving 1.0.0 and 1.1.0: %v", vs)
	}

	// Delete one, through the confirmation that names it.
	do("delete", chromedp.Click(chromedp.CSS("#back")), chromedp.WaitVisible(chromedp.CSS("#versions")),
		chromedp.Click(chromedp.CSS(`input[value="1.2.0"]`)), chromedp.Click(chromedp.CSS("#delete")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-list")))
	if got := text("#confirm-list tbody"); !strings.Contains(got, "1.2.0") || strings.Contains(got, "2.0.0") || strings.Contains(got, "1.0.0") {
		t.Fatalf("confirmation lists: %s", got)
	}
	shot("confirm")
	do("confirm", chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#successful")))
	if got := text("#successful"); !strings.Contains(got, "1.2.0") || !strings.Contains(got, "Deleted") {
		t.Fatalf("delete results: %s", got)
	}
	shot("results")
	if vs := offered(); slices.Contains(vs, "1.2.0") || !slices.Contains(vs, "2.0.0") {
		t.Fatalf("npm view versions after deleting 1.2.0: %v", vs)
	}
	if _, err := e.describe(t, pkg, "1.2.0"); err == nil {
		t.Error("1.2.0 is still described after the delete")
	}

	// The screenshots are real pictures of the pages.
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", f, err)
		}
		if sz := img.Bounds().Size(); len(b) < 10_000 || sz.X < 1000 || sz.Y < 500 {
			t.Errorf("%s: %d bytes, %v: too small to show a page", f, len(b), sz)
		}
	}
}

// consoleChromium finds Debian's Chromium. Without it the test skips,
// except in CI (CI set), where .ci/run installs it.
func consoleChromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI is set, so the console's browser test cannot skip")
	}
	t.Skip("chromium is not installed (apt-get install chromium): the console's browser test needs it")
	return ""
}
