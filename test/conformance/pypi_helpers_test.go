package conformance

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// pyDist describes a Python distribution the tests build by hand (there is
// no wheel or build package offline): a module with VERSION, and core
// metadata.
type pyDist struct {
	Name, Version  string
	Module         string // import name; default: the name lowercased with '-' → '_'
	Summary        string
	HomePage       string
	License        string
	RequiresPython string
	Requires       []string // Requires-Dist lines
	ProjectURLs    []string
	Readme         string
	Marker         string // extra content in the module, to vary the bytes
}

func (d pyDist) module() string {
	if d.Module != "" {
		return d.Module
	}
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(d.Name))
}

// metadata renders core metadata 2.1 with the description as the body.
func (d pyDist) metadata() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", d.Name, d.Version)
	if d.Summary != "" {
		fmt.Fprintf(&b, "Summary: %s\n", d.Summary)
	}
	if d.HomePage != "" {
		fmt.Fprintf(&b, "Home-page: %s\n", d.HomePage)
	}
	if d.License != "" {
		fmt.Fprintf(&b, "License: %s\n", d.License)
	}
	for _, u := range d.ProjectURLs {
		fmt.Fprintf(&b, "Project-URL: %s\n", u)
	}
	if d.RequiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", d.RequiresPython)
	}
	for _, r := range d.Requires {
		fmt.Fprintf(&b, "Requires-Dist: %s\n", r)
	}
	b.WriteString("Description-Content-Type: text/markdown\n\n")
	b.WriteString(d.Readme)
	return b.String()
}

// wheelName is the name part of the wheel's file name (runs of -_. → _).
func (d pyDist) wheelName() string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(d.Name)
}

// wheel builds {name}-{version}-py3-none-any.whl.
func (d pyDist) wheel(t testing.TB) (string, []byte) {
	t.Helper()
	distInfo := d.wheelName() + "-" + d.Version + ".dist-info"
	files := []struct{ name, body string }{
		{d.module() + "/__init__.py", fmt.Sprintf("VERSION = %q\n# %s\n", d.Version, d.Marker)},
		{distInfo + "/METADATA", d.metadata()},
		{distInfo + "/WHEEL", "Wheel-Version: 1.0\nGenerator: artifactd-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	for _, f := range files {
		add(f.name, f.body)
		sum := sha256.Sum256([]byte(f.body))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.body))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", distInfo)
	add(distInfo+"/RECORD", record.String())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return d.wheelName() + "-" + d.Version + "-py3-none-any.whl", buf.Bytes()
}

// sdist builds {name}-{version}.tar.gz with PKG-INFO and a setup.py.
func (d pyDist) sdist(t testing.TB) (string, []byte) {
	t.Helper()
	top := d.wheelName() + "-" + d.Version
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, body string }{
		{top + "/PKG-INFO", d.metadata()},
		{top + "/setup.py", fmt.Sprintf("from setuptools import setup\nsetup(name=%q, version=%q, packages=[%q])\n", d.Name, d.Version, d.module())},
		{top + "/" + d.module() + "/__init__.py", fmt.Sprintf("VERSION = %q\n", d.Version)},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return top + ".tar.gz", buf.Bytes()
}

// pypiRepo is a server with a domain and repository, a token and the
// repository's PyPI endpoint.
type pypiRepo struct {
	s        *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	token    string
	endpoint string // ends in "/"
	work     string
}

func newPypiRepo(t *testing.T, opts ...harness.Option) *pypiRepo {
	t.Helper()
	s := harness.Start(t, opts...)
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "py")
	tok, err := c.GetAuthorizationToken(context.Background(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(context.Background(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String("acme"), Repository: aws.String("py"), Format: types.PackageFormatPypi,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &pypiRepo{s: s, c: c, domain: "acme", repo: "py", token: aws.ToString(tok.AuthorizationToken),
		endpoint: aws.ToString(ep.RepositoryEndpoint), work: t.TempDir()}
}

// indexURL is pip's index URL with the token in it, as `aws codeartifact
// login --tool pip` writes it.
func (p *pypiRepo) indexURL() string {
	return strings.Replace(p.endpoint, "://", "://aws:"+p.token+"@", 1) + "simple/"
}

// write saves files into the work dir and returns their paths.
func (p *pypiRepo) write(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(p.work, "dist", name)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// get does a GET with the token (Basic aws:TOKEN) and an Accept header.
func (p *pypiRepo) get(t testing.TB, path, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.endpoint+path, nil)
	req.SetBasicAuth("aws", p.token)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := pyNoRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, harness.ReadBody(t, resp)
}

var pyNoRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// pyUploadForm is a twine-like upload request.
type pyUploadForm struct {
	fields       [][2]string
	filename     string
	content      []byte
	contentFirst bool
}

// twineForm builds the fields twine sends for a file.
func pyTwineForm(d pyDist, filename string, content []byte) pyUploadForm {
	md5sum := md5.Sum(content)
	shasum := sha256.Sum256(content)
	filetype := "bdist_wheel"
	if strings.HasSuffix(filename, ".tar.gz") {
		filetype = "sdist"
	}
	return pyUploadForm{
		fields: [][2]string{
			{":action", "file_upload"}, {"protocol_version", "1"}, {"name", d.Name}, {"version", d.Version},
			{"filetype", filetype}, {"pyversion", "py3"}, {"metadata_version", "2.1"}, {"summary", d.Summary},
			{"md5_digest", hex.EncodeToString(md5sum[:])}, {"sha256_digest", hex.EncodeToString(shasum[:])},
		},
		filename: filename, content: content,
	}
}

// post sends an upload with Basic auth (user aws, password token).
func (p *pypiRepo) post(t testing.TB, f pyUploadForm, token string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	writeFile := func() {
		if f.filename == "" {
			return
		}
		w, err := mw.CreateFormFile("content", f.filename)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.content)
	}
	if f.contentFirst {
		writeFile()
	}
	for _, kv := range f.fields {
		mw.WriteField(kv[0], kv[1])
	}
	if !f.contentFirst {
		writeFile()
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, p.endpoint, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.SetBasicAuth("aws", token)
	}
	resp, err := pyNoRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(harness.ReadBody(t, resp))
}

// requireTool finds a command or fails (skips with ARTIFACTD_ALLOW_SKIP=1).
func pyRequireTool(t testing.TB, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skipf("%s not found (%s); ARTIFACTD_ALLOW_SKIP=1", name, hint)
		}
		t.Fatalf("%s not found: %s (set ARTIFACTD_ALLOW_SKIP=1 to skip)", name, hint)
	}
	return path
}

var (
	pyPipOnce sync.Once
	pyPipDir  string // bin of a venv holding pip, shared by the tests
	pyPipErr  error
)

// pySharedPip returns the bin directory of a venv with pip. Creating one
// takes seconds, so it is kept in the temp dir (one per Python
// interpreter) and reused by later runs; other venvs are made
// --without-pip and driven with `pip --python`.
func pySharedPip(t testing.TB) string {
	t.Helper()
	py := pyRequireTool(t, "python3", "install python3 and python3-venv")
	pyPipOnce.Do(func() { pyPipDir, pyPipErr = pyMakeSharedVenv(py) })
	if pyPipErr != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skipf("no venv with pip: %v", pyPipErr)
		}
		t.Fatalf("creating a venv with pip (apt-get install python3-venv): %v", pyPipErr)
	}
	return pyPipDir
}

func pyMakeSharedVenv(py string) (string, error) {
	id, err := exec.Command(py, "-c", "import sys; print(sys.executable, sys.version)").Output()
	if err != nil {
		return "", fmt.Errorf("python3: %v", err)
	}
	dir := filepath.Join(os.TempDir(), "artifactd-test-pip-"+pySHA256(id)[:12])
	// Several test processes may get here at once.
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bin")
	if exec.Command(filepath.Join(bin, "pip"), "--version").Run() == nil {
		return bin, nil
	}
	os.RemoveAll(dir)
	if out, err := exec.Command(py, "-m", "venv", dir).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("python3 -m venv: %v\n%s", err, out)
	}
	return bin, nil
}

// newVenv creates an empty venv (no pip) in the work dir and returns its
// python.
func (p *pypiRepo) newVenv(t testing.TB, name string) string {
	t.Helper()
	pySharedPip(t)
	dir := filepath.Join(p.work, name)
	out, err := exec.Command("python3", "-m", "venv", "--without-pip", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m venv --without-pip: %v\n%s", err, out)
	}
	return filepath.Join(dir, "bin", "python")
}

// toolEnv is a clean environment for pip, twine and aws: HOME in the work
// dir, no pip or twine settings from the machine, the shared venv first
// on PATH.
func (p *pypiRepo) toolEnv(t testing.TB, home string, extra ...string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "TWINE_") || strings.HasPrefix(k, "AWS_") ||
			k == "HOME" || k == "XDG_CONFIG_HOME" || k == "PATH" || k == "PYTHONPATH" || k == "VIRTUAL_ENV" {
			continue
		}
		env = append(env, kv)
	}
	os.MkdirAll(home, 0o755)
	return append(env, append([]string{
		"HOME=" + home,
		"PATH=" + pySharedPip(t) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PIP_FIND_LINKS=",
		"PIP_NO_CACHE_DIR=1",
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_NO_INPUT=1",
		"PIP_KEYRING_PROVIDER=disabled",
		"PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring",
	}, extra...)...)
}

// pyToken matches authorization tokens, kept out of test logs.
var pyToken = regexp.MustCompile(`eyJ[A-Za-z0-9_.-]+`)

// pyRun runs a command and returns its combined output and exit code.
func pyRun(t testing.TB, env []string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s: %v\n%s", filepath.Base(name), pyToken.ReplaceAllString(strings.Join(args, " "), "<token>"), time.Since(start), out)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("running %s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out), 0
}

// pip runs the shared pip against the venv whose python is py.
func (p *pypiRepo) pip(t testing.TB, env []string, py string, args ...string) (string, int) {
	t.Helper()
	return pyRun(t, env, filepath.Join(pySharedPip(t), "pip"), append([]string{"--python", py}, args...)...)
}

// twine runs twine upload.
func (p *pypiRepo) twine(t testing.TB, env []string, args ...string) (string, int) {
	t.Helper()
	tw := pyRequireTool(t, "twine", "apt-get install -y twine")
	return pyRun(t, env, tw, append([]string{"upload", "--non-interactive", "--disable-progress-bar"}, args...)...)
}

// twineUpload uploads files with the repository URL and the token.
func (p *pypiRepo) twineUpload(t testing.TB, files ...string) {
	t.Helper()
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	out, code := p.twine(t, env, append([]string{"--repository-url", p.endpoint, "-u", "aws", "-p", p.token}, files...)...)
	if code != 0 {
		t.Fatalf("twine upload %v: exit %d\n%s", files, code, out)
	}
}

func pySHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// pyEmptyTarGz is a valid .tar.gz holding one file that is not PKG-INFO.
func pyEmptyTarGz(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "checked-1.0/setup.py", Mode: 0o644, Size: 2})
	tw.Write([]byte("#\n"))
	tw.Close()
	gz.Close()
	return buf.Bytes()
}
