package clientconfig

import (
	"os"
	"path/filepath"
)

// Cargo configures cargo (1.74 or later) for a repository's sparse index:
// [registries.NAME] in config.toml names the index and the cargo:token
// credential provider, and credentials.toml holds the token as cargo sends
// it (Authorization: Bearer TOKEN).
type Cargo struct {
	Home     string // CARGO_HOME
	Registry string // the registry name, see RegistryName
	Endpoint string // the repository endpoint, ending in "/"
	Token    string
}

// Files returns config.toml and credentials.toml as login leaves them.
func (c Cargo) Files() ([]File, error) {
	if err := ValidRegistryName(c.Registry); err != nil {
		return nil, err
	}
	header := "registries." + c.Registry
	configPath := filepath.Join(c.Home, "config.toml")
	if _, err := os.Stat(configPath); err != nil {
		// cargo reads the older name when config.toml is absent.
		if _, err := os.Stat(filepath.Join(c.Home, "config")); err == nil {
			configPath = filepath.Join(c.Home, "config")
		}
	}
	config, err := read(configPath)
	if err != nil {
		return nil, err
	}
	creds, err := read(filepath.Join(c.Home, "credentials.toml"))
	if err != nil {
		return nil, err
	}
	return []File{
		{
			Path: configPath, Mode: 0o644,
			Content: setTOMLTable(config, header, []string{"index", "credential-provider"}, map[string]string{
				"index": "sparse+" + c.Endpoint, "credential-provider": "cargo:token",
			}),
		},
		{
			Path: filepath.Join(c.Home, "credentials.toml"), Mode: 0o600, Secret: c.Token,
			Content: setTOMLTable(creds, header, []string{"token"}, map[string]string{"token": "Bearer " + c.Token}),
		},
	}, nil
}
