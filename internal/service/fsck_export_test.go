package service

// SetFsckPage sets how many referenced digests Fsck reads at a time and
// returns a function restoring it.
func SetFsckPage(n int) (restore func()) {
	old := fsckPage
	fsckPage = n
	return func() { fsckPage = old }
}
