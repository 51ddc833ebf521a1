import type { ErrorRequestHandler, RequestHandler } from "express";

/** Unknown routes get a JSON 404 that says what exists. */
export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: "not_found", message: `no route for ${req.method} ${req.path}` });
};

/**
 * Turns body-parser and other errors into JSON with the status they carry, so bad input is always
 * answered with a clear message and never crashes the process or leaks a stack trace.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string; limit?: number };
  const status = e.status ?? e.statusCode ?? 500;
  let body: { error: string; message: string };
  switch (e.type) {
    case "entity.too.large":
      body = {
        error: "payload_too_large",
        message: `request body is larger than the ${e.limit ?? ""} byte limit`,
      };
      break;
    case "entity.parse.failed":
      body = { error: "malformed_json", message: `request body is not valid JSON: ${e.message ?? ""}` };
      break;
    case "encoding.unsupported":
    case "charset.unsupported":
      body = { error: "unsupported_encoding", message: e.message ?? "unsupported encoding" };
      break;
    case "request.aborted":
      body = { error: "aborted", message: "the client aborted the request" };
      break;
    default:
      body =
        status >= 500
          ? { error: "internal_error", message: "the bridge could not handle this request; see its logs" }
          : { error: "bad_request", message: e.message ?? "bad request" };
  }
  if (status >= 500) req.log?.error({ err }, "request failed");
  if (res.headersSent) return;
  res.status(status).json(body);
};
