package service_test

import (
	"context"
	"sync"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// recordingObserver keeps what the service told the metrics.
type recordingObserver struct {
	mu        sync.Mutex
	published []domain.Format
	runs      []service.CollectorRun
}

func (o *recordingObserver) Published(f domain.Format) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.published = append(o.published, f)
}

func (o *recordingObserver) Collected(r service.CollectorRun) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.runs = append(o.runs, r)
}

// TestObserver: a publish is reported with its format, and a collector
// run with the blobs and bytes it removed.
func TestObserver(t *testing.T) {
	e := newCollectEnv(t, service.DefaultInlineBlobBytes)
	obs := &recordingObserver{}
	e.svc.UseObserver(obs)
	e.publish(t, "1.0", []byte("twelve bytes"))
	e.publish(t, "2.0", []byte("kept"))
	if len(obs.published) != 2 || obs.published[0] != domain.FormatGeneric {
		t.Errorf("published = %v, want two generic", obs.published)
	}
	e.delete(t, "1.0")
	e.svc.CollectOrphans(context.Background())
	if len(obs.runs) != 1 || obs.runs[0] != (service.CollectorRun{Blobs: 1, Bytes: 12}) {
		t.Errorf("collector runs = %+v, want one removing 1 blob of 12 bytes", obs.runs)
	}
	e.svc.UseObserver(nil) // back to none: nothing breaks
	e.publish(t, "3.0", []byte("x"))
}
