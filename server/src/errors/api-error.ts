/**
 * The one error type routes and services throw. The error handler turns it into
 * `{"detail": ...}` with this status, the body shape every Open WebUI client expects.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.name = 'ApiError';
  }
}

export const badRequest = (detail: unknown) => new ApiError(400, detail);
export const unauthorized = (detail: unknown) => new ApiError(401, detail);
export const forbidden = (detail: unknown) => new ApiError(403, detail);
export const notFound = (detail: unknown) => new ApiError(404, detail);
