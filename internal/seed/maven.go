package seed

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/internal/domain"
)

// publishMaven deploys a Maven version as `mvn deploy` does: each file PUT
// under group/artifact/version/ (the version is Unfinished meanwhile), then
// the artifact's maven-metadata.xml listing the version, which publishes
// it. An Unfinished version gets no maven-metadata.xml.
func (a *applier) publishMaven(ctx context.Context, dom, repo string, p Package, v Version) error {
	tok, err := a.client.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: &dom}, a.region)
	if err != nil {
		return err
	}
	ep, err := a.client.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: &dom, Repository: &repo,
		Format: types.PackageFormatMaven}, a.region)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(aws.ToString(ep.RepositoryEndpoint), "/") + "/" + strings.ReplaceAll(p.Namespace, ".", "/") + "/" + p.Name + "/"
	put := func(url string, body []byte) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		// As Maven sends the token from settings.xml.
		req.SetBasicAuth("aws", aws.ToString(tok.AuthorizationToken))
		resp, err := a.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return fmt.Errorf("PUT %s answered %s: %s", url[len(base)-len(p.Name)-1:], resp.Status, bytes.TrimSpace(msg))
		}
		return nil
	}
	for _, asset := range v.Assets {
		b, err := os.ReadFile(asset.Path)
		if err != nil {
			return err
		}
		if err := put(base+v.Version+"/"+asset.Name, b); err != nil {
			return fmt.Errorf("%s: %w", asset.Name, err)
		}
	}
	if v.Status == domain.StatusUnfinished {
		return nil
	}
	type versioning struct {
		Latest      string   `xml:"latest"`
		Release     string   `xml:"release"`
		Versions    []string `xml:"versions>version"`
		LastUpdated string   `xml:"lastUpdated"`
	}
	md, err := xml.Marshal(struct {
		XMLName    xml.Name   `xml:"metadata"`
		GroupID    string     `xml:"groupId"`
		ArtifactID string     `xml:"artifactId"`
		Versioning versioning `xml:"versioning"`
	}{GroupID: p.Namespace, ArtifactID: p.Name, Versioning: versioning{Latest: v.Version, Release: v.Version,
		Versions: []string{v.Version}, LastUpdated: time.Now().UTC().Format("20060102150405")}})
	if err != nil {
		return err
	}
	return put(base+"maven-metadata.xml", append([]byte(xml.Header), md...))
}
