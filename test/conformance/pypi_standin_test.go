package conformance

// A stand-in for the public Python Package Index in the external-connection
// tests, written in Go: two HTTP servers on 127.0.0.1, as the public index
// has (one host for the pages, another for the files). The index serves project pages at
// /simple/{project}/, PEP 691 JSON or PEP 503 HTML by Accept (or HTML
// only), whose links point at the other server, which serves the files.
// It counts requests, can go down (every connection is cut, so clients see
// a network failure) and come back, and can serve other bytes than its
// pages promise. Every identifier here starts with "pypiStandin" (or is a
// method of *pypiStandin), so that it cannot clash with other helpers.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// pypiStandin is the stand-in index and its file server.
type pypiStandin struct {
	index, files *httptest.Server

	mu       sync.Mutex
	projects map[string][]*pypiStandinFile // by normalized name
	byName   map[string]*pypiStandinFile   // by file name
	pageHits map[string]int                // by normalized project
	fileHits map[string]int                // by file name
	down     bool
	htmlOnly bool          // serve PEP 503 HTML whatever the Accept
	delay    time.Duration // before answering a file
}

// pypiStandinFile is one distribution file the index offers.
type pypiStandinFile struct {
	project, filename string
	body              []byte // what the page's hash is of
	served            []byte // what the file server sends (body unless tampered)
	sha256            string
	requiresPython    string
	uploaded          time.Time
}

// newPypiStandin starts the two servers; they stop when the test ends.
func newPypiStandin(t *testing.T) *pypiStandin {
	t.Helper()
	s := &pypiStandin{projects: map[string][]*pypiStandinFile{}, byName: map[string]*pypiStandinFile{},
		pageHits: map[string]int{}, fileHits: map[string]int{}}
	s.index = localServer(t, s.cut(http.HandlerFunc(s.servePage)))
	s.files = localServer(t, s.cut(http.HandlerFunc(s.serveFile)))
	return s
}

// IndexURL is the index URL as pip's --index-url takes it.
func (s *pypiStandin) IndexURL() string { return s.index.URL + "/simple/" }

var pypiStandinNormalizer = regexp.MustCompile(`[-_.]+`)

func pypiStandinNormalize(name string) string {
	return strings.ToLower(pypiStandinNormalizer.ReplaceAllString(name, "-"))
}

// add publishes a distribution's wheel, and its sdist too with sdist set,
// and returns their file names.
func (s *pypiStandin) add(t *testing.T, d pyDist, sdist bool) []string {
	t.Helper()
	type built struct {
		name string
		body []byte
	}
	var files []built
	n, b := d.wheel(t)
	files = append(files, built{n, b})
	if sdist {
		n, b := d.sdist(t)
		files = append(files, built{n, b})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	project := pypiStandinNormalize(d.Name)
	for _, f := range files {
		pf := &pypiStandinFile{project: project, filename: f.name, body: f.body, served: f.body, sha256: pySHA256(f.body),
			requiresPython: d.RequiresPython, uploaded: time.Date(2024, 3, 1, 12, 0, len(s.byName), 0, time.UTC)}
		s.projects[project] = append(s.projects[project], pf)
		s.byName[f.name] = pf
		names = append(names, f.name)
	}
	return names
}

// tamper makes the file server send other bytes for a file than its
// page's hash is of (nil restores the file).
func (s *pypiStandin) tamper(filename string, served []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.byName[filename]
	if served == nil {
		served = f.body
	}
	f.served = served
}

// setDown cuts every connection (and every new one) while down.
func (s *pypiStandin) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
	if down {
		s.index.CloseClientConnections()
		s.files.CloseClientConnections()
	}
}

func (s *pypiStandin) setHTMLOnly(v bool) {
	s.mu.Lock()
	s.htmlOnly = v
	s.mu.Unlock()
}

func (s *pypiStandin) setFileDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// fileRequests is how many times a file was asked for.
func (s *pypiStandin) fileRequests(filename string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fileHits[filename]
}

// pageRequests is how many times a project's page was asked for.
func (s *pypiStandin) pageRequests(project string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pageHits[pypiStandinNormalize(project)]
}

// cut wraps a handler so that, while the stand-in is down, connections
// are closed without an answer.
func (s *pypiStandin) cut(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// servePage answers /simple/{project}/: 301 to the normalized URL, 404
// for unknown projects, else JSON or HTML as PyPI negotiates it.
func (s *pypiStandin) servePage(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/simple/")
	name, slash := strings.CutSuffix(rest, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	project := pypiStandinNormalize(name)
	if project != name || !slash {
		http.Redirect(w, r, "/simple/"+project+"/", http.StatusMovedPermanently)
		return
	}
	s.mu.Lock()
	s.pageHits[project]++
	files := append([]*pypiStandinFile(nil), s.projects[project]...)
	htmlOnly := s.htmlOnly
	s.mu.Unlock()
	if len(files) == 0 {
		http.NotFound(w, r)
		return
	}
	sort.Slice(files, func(i, j int) bool { return files[i].filename < files[j].filename })
	fileURL := func(f *pypiStandinFile) string {
		return s.files.URL + "/packages/" + f.sha256[:2] + "/" + f.sha256[2:4] + "/" + url.PathEscape(f.filename)
	}
	w.Header().Set("Vary", "Accept")
	if !htmlOnly && strings.Contains(r.Header.Get("Accept"), "application/vnd.pypi.simple.v1+json") {
		type file struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython *string           `json:"requires-python"`
			CoreMetadata   any               `json:"core-metadata"`
			Yanked         bool              `json:"yanked"`
			Size           int               `json:"size"`
			UploadTime     string            `json:"upload-time"`
		}
		doc := struct {
			Meta     map[string]string `json:"meta"`
			Name     string            `json:"name"`
			Files    []file            `json:"files"`
			Versions []string          `json:"versions"`
		}{Meta: map[string]string{"api-version": "1.1"}, Name: project, Files: []file{}, Versions: []string{}}
		for _, f := range files {
			jf := file{Filename: f.filename, URL: fileURL(f), Hashes: map[string]string{"sha256": f.sha256}, CoreMetadata: false,
				Size: len(f.body), UploadTime: f.uploaded.Format("2006-01-02T15:04:05.000000Z")}
			if f.requiresPython != "" {
				jf.RequiresPython = &f.requiresPython
			}
			if strings.HasSuffix(f.filename, ".whl") {
				// PyPI advertises PEP 658 metadata; artifactd must not
				// pass it on for files it does not keep.
				sum := sha256.Sum256([]byte("not served by the stand-in"))
				jf.CoreMetadata = map[string]string{"sha256": hex.EncodeToString(sum[:])}
			}
			doc.Files = append(doc.Files, jf)
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		json.NewEncoder(w).Encode(doc)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", project, project)
	for _, f := range files {
		fmt.Fprintf(&b, `    <a href="%s"`, html.EscapeString(fileURL(f)+"#sha256="+f.sha256))
		if f.requiresPython != "" {
			fmt.Fprintf(&b, ` data-requires-python="%s"`, html.EscapeString(f.requiresPython))
		}
		fmt.Fprintf(&b, ">%s</a><br />\n", html.EscapeString(f.filename))
	}
	b.WriteString("  </body>\n</html>\n<!--SERIAL 1-->\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, b.String())
}

// serveFile answers /packages/xx/yy/{filename}.
func (s *pypiStandin) serveFile(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/packages/"), "/")
	name := parts[len(parts)-1]
	s.mu.Lock()
	f := s.byName[name]
	s.fileHits[name]++
	var served []byte
	if f != nil {
		served = f.served
	}
	delay := s.delay
	s.mu.Unlock()
	if f == nil || len(parts) != 3 {
		http.NotFound(w, r)
		return
	}
	time.Sleep(delay)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(served)))
	w.Write(served)
}
