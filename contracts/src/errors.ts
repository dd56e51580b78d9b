import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/** Every error body: FastAPI's `{"detail": ...}`; a string, or a list of issues for 422. */
export const ValidationIssue = lazy(() => z.object({ type: z.string(), loc: z.array(z.union([z.string(), z.number()])), msg: z.string() }));
export const ErrorBody = lazy(() => z.object({ detail: z.union([z.string(), z.array(real(ValidationIssue)), z.unknown()]) }));
export type ErrorBody = z.infer<typeof ErrorBody>;
