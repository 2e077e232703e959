import { DeliveryError, InputError } from '@junction/core';
import { problemFor, titleOf } from './problem';

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
