package sgaudit

// Accepted is the audit's reading of the conversations, for the oracle
// test in the external package.
const Accepted = accepted
