package seed

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// publishNPM publishes an npm version as `npm publish` does: a token, the
// repository's npm endpoint, and PUT /<name> with the version's manifest and
// the tarball attached. The server reads package.json from the tarball and
// refuses one that names another package or version.
func (a *applier) publishNPM(ctx context.Context, dom, repo string, p Package, v Version) error {
	name := p.Name
	if p.Namespace != "" {
		name = "@" + strings.TrimPrefix(p.Namespace, "@") + "/" + p.Name
	}
	tgz, err := os.ReadFile(v.Assets[0].Path)
	if err != nil {
		return err
	}
	tok, err := a.client.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: &dom}, a.region)
	if err != nil {
		return err
	}
	ep, err := a.client.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: &dom, Repository: &repo,
		Format: types.PackageFormatNpm}, a.region)
	if err != nil {
		return err
	}
	sha1sum, sha512sum := sha1.Sum(tgz), sha512.Sum512(tgz)
	unscoped := name[strings.LastIndex(name, "/")+1:]
	doc := map[string]any{
		"_id":       name,
		"name":      name,
		"dist-tags": map[string]string{"latest": v.Version},
		"versions": map[string]any{v.Version: map[string]any{
			"name": name, "version": v.Version,
			"dist": map[string]string{"shasum": hex.EncodeToString(sha1sum[:]), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(sha512sum[:])},
		}},
		"_attachments": map[string]any{unscoped + "-" + v.Version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz),
		}},
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	// npm sends a scoped name with its slash escaped: @scope%2fname.
	u := strings.TrimSuffix(aws.ToString(ep.RepositoryEndpoint), "/") + "/" + strings.Replace(url.PathEscape(name), "%40", "@", 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+aws.ToString(tok.AuthorizationToken))
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("npm publish answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
