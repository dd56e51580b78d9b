import { z } from 'zod';

/** Every error body: FastAPI's `{"detail": ...}`; a string, or a list of issues for 422. */
export const ValidationIssue = z.object({ type: z.string(), loc: z.array(z.union([z.string(), z.number()])), msg: z.string() });
export const ErrorBody = z.object({ detail: z.union([z.string(), z.array(ValidationIssue), z.unknown()]) });
export type ErrorBody = z.infer<typeof ErrorBody>;
