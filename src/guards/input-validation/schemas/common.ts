/**
 * Building blocks shared by the request schemas. Every object is strict: a field we do not know is
 * a field we would forward blindly, so it is refused (`unsupported_field`). Strings that name or
 * identify things are bounded; free text is bounded by the body size and token limits instead.
 */
import { z } from 'zod';

/** Provider model ids: letters, digits and `._:-`, at most 128 characters, no leading symbol. */
export const MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const modelName = z.string().regex(MODEL_PATTERN);

/** Names of tools, functions, participants: the providers allow at most 64 characters. */
export const NAME_MAX = 64;
export const shortName = z.string().min(1).max(NAME_MAX);
/** Ids the providers mint (tool call ids, file ids...). Generous but bounded. */
export const idString = z.string().min(1).max(256);
/** Descriptions of tools and schemas: bounded so they cannot smuggle megabytes past counting. */
export const description = z.string().max(32_768);

/** A JSON object of arbitrary content (JSON Schema, tool input). Depth is bounded by json-shape. */
export const freeObject = z.record(z.string(), z.unknown());

/** Stop sequences: small lists of short strings. */
export const stopString = z.string().max(1024);

export const nonNegativeInt = z.number().int().min(0);
export const positiveInt = z.number().int().min(1);
