package clientconfig

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Gem configures RubyGems for a repository. ~/.gem/credentials gets the
// token as the API key of the endpoint (RubyGems picks a key by the push
// host, so `gem push --host ENDPOINT` or RUBYGEMS_HOST=ENDPOINT needs no
// --key); ~/.gemrc gets the endpoint, with the token as its password, at
// the head of :sources: for gem install.
type Gem struct {
	Home     string // the user's home folder
	Endpoint string // the repository endpoint, ending in "/"
	Token    string
}

// PushHost is the endpoint as RubyGems takes it for pushing: without the
// trailing slash (it appends /api/v1/gems itself).
func (g Gem) PushHost() string { return strings.TrimSuffix(g.Endpoint, "/") }

// Files returns ~/.gem/credentials and ~/.gemrc as login leaves them.
func (g Gem) Files() ([]File, error) {
	credsPath := filepath.Join(g.Home, ".gem", "credentials")
	creds, err := read(credsPath)
	if err != nil {
		return nil, err
	}
	credsDoc, err := setYAMLKey(creds, g.PushHost(), func(*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: "Bearer " + g.Token}
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", credsPath, err)
	}

	rcPath := filepath.Join(g.Home, ".gemrc")
	rc, err := read(rcPath)
	if err != nil {
		return nil, err
	}
	source, err := url.Parse(g.Endpoint)
	if err != nil {
		return nil, err
	}
	source.User = url.UserPassword("aws", g.Token)
	rcDoc, err := setYAMLKey(rc, ":sources", func(old *yaml.Node) *yaml.Node {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: source.String()})
		if old != nil && old.Kind == yaml.SequenceNode {
			for _, s := range old.Content {
				if !sameEndpoint(s.Value, g.Endpoint) {
					list.Content = append(list.Content, s)
				}
			}
		}
		return list
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rcPath, err)
	}
	return []File{
		{Path: credsPath, Mode: 0o600, Secret: g.Token, Content: credsDoc},
		{Path: rcPath, Mode: 0o600, Secret: g.Token, Content: rcDoc},
	}, nil
}

// sameEndpoint reports whether source is endpoint, whatever credentials
// it carries: an earlier login's entry, to be replaced.
func sameEndpoint(source, endpoint string) bool {
	u, err := url.Parse(source)
	if err != nil {
		return false
	}
	u.User = nil
	return strings.TrimSuffix(u.String(), "/") == strings.TrimSuffix(endpoint, "/")
}

// setYAMLKey sets key in the top-level mapping of a YAML document to
// value(old value or nil) and returns the document. Other keys keep their
// order, style and comments. Keys are written plain, so Ruby reads
// ":sources" as the symbol RubyGems looks up.
func setYAMLKey(doc, key string, value func(old *yaml.Node) *yaml.Node) (string, error) {
	var root yaml.Node
	if strings.TrimSpace(doc) != "" {
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			return "", fmt.Errorf("not YAML: %w", err)
		}
	}
	if root.Kind == 0 {
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return "", fmt.Errorf("not a YAML mapping")
	}
	found := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value(m.Content[i+1])
			found = true
		}
	}
	if !found {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value(nil))
	}
	out, err := yaml.Marshal(&root)
	return string(out), err
}
