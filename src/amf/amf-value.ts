/**
 * The JS mapping of AMF values. Plain JS values map naturally (number, string, boolean, null, undefined,
 * Date, arrays, plain objects, Uint8Array for ByteArray); the classes below keep a wire type that JS alone
 * cannot express, so that decode → encode gives back the same kind of value.
 */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Uint8Array
  | AmfValue[]
  | AmfObject
  | AmfEcmaArray
  | AmfTypedObject
  | AmfXmlDocument
  | AmfXml
  | AmfDouble
  | AmfArray
  | AmfVector
  | AmfDictionary
  | AmfAvmPlus
  | AmfDate

export interface AmfObject {
  [key: string]: AmfValue
}

/**
 * AMF0 ECMA array (marker 8): an associative array. Its entries are own enumerable properties, so
 * `meta.width` works on a decoded onMetaData; `instanceof AmfEcmaArray` tells the wire type.
 */
export class AmfEcmaArray {
  [key: string]: AmfValue

  static from(entries: AmfObject): AmfEcmaArray {
    return Object.assign(new AmfEcmaArray(), entries)
  }
}

/** An object with a class name: AMF0 typed object (marker 16), or an AMF3 object whose traits name a class. */
export class AmfTypedObject {
  constructor(
    readonly className: string,
    readonly members: AmfObject,
  ) {}
}

/** AMF0 XML document (marker 15) / AMF3 XMLDocument (marker 7). */
export class AmfXmlDocument {
  constructor(readonly xml: string) {}
}

/** AMF3 E4X XML (marker 11). */
export class AmfXml {
  constructor(readonly xml: string) {}
}

/** Forces an AMF3 double where the value would otherwise go as a U29 integer. */
export class AmfDouble {
  constructor(readonly value: number) {}
}

/** AMF3 array with an associative part (a plain JS array is used when the associative part is empty). */
export class AmfArray {
  constructor(
    readonly dense: AmfValue[],
    readonly associative: AmfObject,
  ) {}
}

export type AmfVectorKind = 'int' | 'uint' | 'double' | 'object'

/** AMF3 Vector.<int|uint|Number|Object> (markers 13..16). `typeName` is the object vector's element class. */
export class AmfVector {
  constructor(
    readonly kind: AmfVectorKind,
    readonly items: AmfValue[],
    readonly fixed = false,
    readonly typeName = '',
  ) {}
}

/** AMF3 Dictionary (marker 17): keys may be any value. */
export class AmfDictionary {
  constructor(
    readonly entries: Array<[AmfValue, AmfValue]>,
    readonly weakKeys = false,
  ) {}
}

/** In an AMF0 stream, encode this value in AMF3 behind the avmplus switch marker (0x11). */
export class AmfAvmPlus {
  constructor(readonly value: AmfValue) {}
}

/** AMF0 date with a non-zero time zone field (minutes). Dates with zone 0 decode as plain `Date`. */
export class AmfDate extends Date {
  constructor(
    time: number,
    readonly timezoneOffset: number,
  ) {
    super(time)
  }
}

/** An AMF object or ECMA array as it decodes to a JS object (not an array, bytes, a date or null). */
export function isAmfObject(v: AmfValue): v is AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date)
}
