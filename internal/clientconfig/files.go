package clientconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is a configuration file as login leaves it.
type File struct {
	Path    string
	Content string
	Mode    fs.FileMode // for a new file; an existing file keeps its own
	// Secret is the token the content holds, hidden when shown.
	Secret string
}

// Redacted is the content with the token hidden, for --dry-run.
func (f File) Redacted() string {
	if f.Secret == "" {
		return f.Content
	}
	return strings.ReplaceAll(f.Content, f.Secret, "****")
}

// read returns a file's content, "" when it does not exist.
func read(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}

// Write replaces each file whole: a temporary file in the same folder,
// synced, then renamed over the old one, so a crash leaves the old file
// or the new, never half of one. Secrets files stay private: a file
// holding a token is made 0600 even if it existed with wider permissions.
func Write(files []File) error {
	for _, f := range files {
		if err := writeFile(f); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(f File) error {
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	mode := f.Mode
	if st, err := os.Stat(f.Path); err == nil {
		mode = st.Mode().Perm()
		if f.Secret != "" {
			mode &= 0o600
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(f.Content); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", f.Path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Path)
}
