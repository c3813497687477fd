import '../local/polyfills.js';

// Handlers log expected failures (bad input, failing steps) at WARN/ERROR; keep test output readable.
// Set UNTXT_TEST_LOGS=1 to see them.
if (!process.env.UNTXT_TEST_LOGS) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
