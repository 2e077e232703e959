import { BusError, DeliveryError, InputError, StoreError } from '@junction/core';
import { FlatFormatError } from '@junction/transform';
import { problemFor, problemHeaders, requestError, RETRY_AFTER_SECONDS, titleOf } from './problem';

describe('problemFor', () => {
  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'Not Found'],
    [409, 'Conflict'],
    [413, 'Content Too Large'],
    [422, 'Unprocessable Content'],
    [429, 'Too Many Requests'],
  ])('titles an input error of status %i "%s"', (status, title) => {
    expect(problemFor(new InputError('X', 'why', status))).toMatchObject({ status, title, code: 'X', detail: 'why' });
  });

  it('titles a status without a reason phrase by its class, never "Error"', () => {
    expect(titleOf(499)).toBe('Client Error');
    expect(titleOf(599)).toBe('Server Error');
    expect(problemFor(new DeliveryError('HTTP_500', 'target said no', { retriable: true }))).toMatchObject({ status: 502, title: 'Bad Gateway' });
  });
});

describe('problemFor on refusals', () => {
  it("answers a store outage with 503, a fixed detail and no word of the database's address", () => {
    const p = problemFor(new StoreError('journaling a message failed: connect ECONNREFUSED 10.0.0.5:5432'));
    expect(p).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', title: 'Service Unavailable' });
    expect(JSON.stringify(p)).not.toMatch(/10\.0\.0\.5|5432|ECONNREFUSED/);
  });

  it("answers the store's NOT_FOUND with 404 and CONFLICT with 409, keeping their words", () => {
    expect(problemFor(new BusError('NOT_FOUND', 'dead letter x not found'))).toMatchObject({ status: 404, title: 'Not Found', detail: 'dead letter x not found' });
    expect(problemFor(new BusError('CONFLICT', 'message m is not dead: nothing to replay'))).toMatchObject({ status: 409, title: 'Conflict', code: 'CONFLICT' });
  });

  it('keeps an input error as it is', () => {
    expect(problemFor(new InputError('EMPTY_BODY', 'the request has no body', 400))).toMatchObject({ status: 400, detail: 'the request has no body' });
  });
});

describe('problemHeaders', () => {
  it('asks a caller refused with 503 to come back later, and no other', () => {
    expect(problemHeaders(problemFor(new StoreError('down')))).toEqual({ 'retry-after': String(RETRY_AFTER_SECONDS) });
    expect(problemHeaders({ ...problemFor(new DeliveryError('HTTP_500', 'x', { retriable: true })), messageId: 'm-1' })).toEqual({ 'x-message-id': 'm-1' });
  });
});

describe('requestError', () => {
  const fastify = (code: string, statusCode: number, message: string) => Object.assign(new Error(message), { code, statusCode });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'BODY_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'EMPTY_BODY'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'BAD_CONTENT_LENGTH'],
    ['FST_ERR_SOMETHING_NEW', 400, 'BAD_REQUEST'],
  ])('names Fastify refusal %s by a code of the bus', (code, status, expected) => {
    const p = problemFor(requestError(fastify(code, status, 'Request body is too large')));
    expect(p).toMatchObject({ status, code: expected });
    expect(JSON.stringify(p)).not.toContain('FST_');
  });

  it('gives the 413 the title of its status', () => {
    expect(problemFor(requestError(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large')))).toMatchObject({
      title: 'Content Too Large',
      type: 'urn:junction:problem:body-too-large',
    });
  });
});

describe('problemFor: flat files', () => {
  it('names the malformed lines of a flat file', () => {
    const problem = problemFor(new FlatFormatError([{ line: 4, message: '2 fields, expected 3' }, { line: 9, message: 'a quoted field is not closed' }]));
    expect(problem).toMatchObject({
      status: 422,
      code: 'FLAT_FORMAT',
      errors: ['line 4: 2 fields, expected 3', 'line 9: a quoted field is not closed'],
      lines: [4, 9],
    });
  });
});
