import type { FastifyInstance, FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import type { z } from 'zod';

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
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const issues = result.error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
    return { error: new RequestValidationError(httpPart ?? 'body', issues) };
  };
};

export function useZod(app: FastifyInstance): void {
  app.setValidatorCompiler(compile);
}
