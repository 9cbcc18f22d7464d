package service

import "time"

// SetClock makes the service read the time from now.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetDownloadBatch sets how many versions the map of download times holds
// before it is written early (DownloadBatch).
func (s *Service) SetDownloadBatch(n int) { s.downloads.batch = n }
