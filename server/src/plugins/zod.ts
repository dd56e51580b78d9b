import type { FastifyInstance, FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import type { z } from 'zod';
import { real } from '@owui/contracts';

/** Lets `schema: { body: SomeZodSchema }` type `request.body` as that schema's output. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

export interface ValidationIssue {
  path: PropertyKey[];
  message: string;
  code: string;
}

/** Thrown by the validator; the error handler renders it as FastAPI's 422 body. */
export class RequestValidationError extends Error {
  readonly statusCode = 422;
  constructor(
    readonly part: string,
    readonly issues: ValidationIssue[],
  ) {
    super('Request validation failed');
  }
}

const compile: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  // Contracts are lazy Proxies (contracts/src/lazy.ts): the schema behind one is taken at the first
  // request, so validating is a call on the schema itself, not a Proxy trap per request.
  let built: z.ZodType | undefined;
  return (data: unknown) => {
    const result = (built ??= real(schema)).safeParse(data);
    if (result.success) return { value: result.data };
    const issues = result.error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
    return { error: new RequestValidationError(httpPart ?? 'body', issues) };
  };
};

export function useZod(app: FastifyInstance): void {
  app.setValidatorCompiler(compile);
}
