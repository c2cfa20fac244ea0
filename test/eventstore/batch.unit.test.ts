import { describe, expect, it } from 'vitest';
import { integerArray, textArray } from '../../src/eventstore/postgres/batch.ts';

describe('array parameters', () => {
  it('joins validated texts into a quoted array literal', () => {
    expect(textArray(['meter-a', 'ReadingRecorded', 'NULL'])).toBe(
      '{"meter-a","ReadingRecorded","NULL"}',
    );
    expect(textArray([])).toBe('{}');
    expect(integerArray([0, 41, -1])).toBe('{0,41,-1}');
  });

  it('leaves texts with a quote or a backslash to node-postgres to escape', () => {
    const unsafe = ['meter-a', 'say "hi"'];
    expect(textArray(unsafe)).toBe(unsafe);
    expect(textArray(['back\\slash'])).toEqual(['back\\slash']);
  });
});
