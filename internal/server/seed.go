package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/internal/config"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/seed"
)

// applySeed applies a seed through the server's own handler, in memory, as
// the administrator: every call takes the API's whole path (field rules,
// service rules, quotas, authorization) before any socket is open.
func applySeed(ctx context.Context, sd *seed.Seed, h http.Handler, cfg config.Config, key identity.Key, log *slog.Logger) error {
	inMemory := &http.Client{Transport: handlerTransport{h}}
	client := codeartifact.New(codeartifact.Options{
		Region:           firstRegion(cfg.Regions),
		BaseEndpoint:     aws.String("http://127.0.0.1"), // never dialled; any --addr (":8700") would do less well as a Host
		Credentials:      credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""),
		HTTPClient:       inMemory,
		RetryMaxAttempts: 1, // an error is the seed's, not the network's
	})
	return sd.Apply(ctx, client, inMemory, firstRegion(cfg.Regions), log)
}

// handlerTransport answers requests with a handler, without a network.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	// A server-side request, as net/http would make it of the client's.
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if in.Host == "" {
		in.Host = r.URL.Host
	}
	in.RemoteAddr = "127.0.0.1:0"
	in.RequestURI = r.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}
