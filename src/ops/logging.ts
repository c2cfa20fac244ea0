// What pino must never write, whoever logs: credentials in headers (if a
// request or response is ever logged whole) and the parts of a database error
// that quote row values (`Key (email)=(…) already exists`), which may hold
// personal data. Used by the web app's and the gateway server's loggers.

export const LOG_REDACT = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-csrf-token"]',
    'res.headers["set-cookie"]',
    'req.body',
    'req.query',
    'err.detail',
    'err.where',
    'err.internalQuery',
    'err.parameters',
  ],
  censor: '[redacted]',
};
