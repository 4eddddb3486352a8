package testenv

// PID is the node's process id, for tests that check it is gone.
func (a *AnvilNode) PID() int { return a.pid }
