import { Tokenizer as HfTokenizerClass } from '@huggingface/tokenizers';

/**
 * The part of `@huggingface/tokenizers`' Tokenizer that Tessera uses. Its shipped .d.ts files import
 * each other without file extensions, which NodeNext resolution cannot follow (the class types as
 * `any`), so the surface is declared here.
 */
export interface HfTokenizer {
  normalizer: unknown;
  encode(text: string, options?: { text_pair?: string | null; add_special_tokens?: boolean }): { ids: number[]; tokens: string[]; attention_mask: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean | null }): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}

export const HfTokenizer = HfTokenizerClass as unknown as new (tokenizerJson: object, config: object) => HfTokenizer;
