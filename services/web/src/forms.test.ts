import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { toErrors } from './components/forms';

describe('form errors', () => {
  it('shows a 429 as a wait in seconds, not as the raw text', () => {
    const e = new ApiError(429, 'rate_limited', 'too many requests', {}, 37);
    expect(toErrors(e, ['login'])).toEqual({ message: 'Too many attempts. Try again in 37 s.', fields: {} });
    const noHeader = new ApiError(429, 'rate_limited', 'too many requests');
    expect(toErrors(noHeader, []).message).toBe('Too many attempts. Try again in a moment.');
  });
  it('puts known fields under their inputs and the rest in the message', () => {
    const e = new ApiError(422, 'validation_failed', 'invalid', { current_password: 'wrong', new_password: 'short', other: 'x' });
    expect(toErrors(e, ['current_password', 'new_password'])).toEqual({
      message: 'x',
      fields: { current_password: 'wrong', new_password: 'short' },
    });
  });
});
