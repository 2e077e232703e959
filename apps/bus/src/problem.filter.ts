import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE, problemFor, problemHeaders, requestError } from '@junction/connectors';
import { InputError, type BusError } from '@junction/core';
import type { FastifyReply } from 'fastify';

/**
 * The one place where errors of Nest routes (admin API, health, unknown paths) and of Fastify itself (the ingress
 * route's body limit) become HTTP problem bodies. Library
 * errors map through `problemFor`; Nest's own HTTP exceptions keep their status; anything else is a 500 that tells
 * nothing about internals.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // Fastify's own refusals (body over the limit, unreadable body) reach the filter through Nest's error handler.
    const error: BusError =
      exception instanceof HttpException
        ? new InputError(`HTTP_${exception.getStatus()}`, exception.message, exception.getStatus())
        : requestError(exception);
    const problem = problemFor(error);
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
    reply.code(problem.status).headers(problemHeaders(problem)).type(PROBLEM_CONTENT_TYPE).send(problem);
  }
}
