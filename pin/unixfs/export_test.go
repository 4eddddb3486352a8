package unixfs

// Estimation is Profile.estimation, for the test that compares the profile
// with boxo's own definition.
var Estimation = Profile.estimation
