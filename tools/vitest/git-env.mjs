/**
 * Set up before every spec file: the code under test runs git with
 * process.env, and variables a hook or CI sets (GIT_DIR, GIT_INDEX_FILE…)
 * would point it at another repository than the spec's own.
 */
for (const key of Object.keys(process.env)) if (key.startsWith('GIT_')) delete process.env[key];
