"""The programme as versioned data: phases, sign-offs and their task policy, the Care
Certificate, Level 5, conferences, outplacements and management time."""
