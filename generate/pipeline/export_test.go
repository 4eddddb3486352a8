package pipeline

// SetPlanBatch makes Run and Repair plan, record and classify n items at a
// time, so small test collections cross batch boundaries.
func SetPlanBatch(n int) { planBatch = n }
