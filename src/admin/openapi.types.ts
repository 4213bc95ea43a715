/**
 * The part of OpenAPI 3.1 (spec.openapis.org/oas/v3.1.0) that the admin description uses. Schemas are JSON
 * Schema 2020-12, as 3.1 has them (`type: ['string', 'null']`, no `nullable`). The admin spec validates the
 * document against the official OpenAPI 3.1 JSON schema, which checks what these types leave loose.
 */
export type JsonSchema =
  | { $ref: string }
  | {
      type?: string | string[];
      description?: string;
      format?: string;
      enum?: string[];
      minimum?: number;
      items?: JsonSchema;
      required?: string[];
      properties?: Record<string, JsonSchema>;
      oneOf?: JsonSchema[];
    };

export interface OpenApiMediaType {
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description?: string; schema: JsonSchema }>;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

/** Each alternative is a set of schemes that together allow the call; `{}` means none is needed. */
export type SecurityRequirement = Record<string, string[]>;

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, OpenApiMediaType> };
  responses: Record<string, OpenApiResponse>;
  security?: SecurityRequirement[];
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'head' | 'patch' | 'options';

export interface OpenApiDocument {
  openapi: `3.1.${number}`;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  security?: SecurityRequirement[];
  components: {
    securitySchemes: Record<
      string,
      | { type: 'http'; scheme: string; description?: string }
      | { type: 'apiKey'; in: 'cookie' | 'header' | 'query'; name: string; description?: string }
    >;
    schemas: Record<string, JsonSchema>;
  };
}
