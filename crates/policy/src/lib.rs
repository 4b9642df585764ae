//! chanrac-policy (in progress)
