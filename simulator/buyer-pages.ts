// Amazon's buyer pages, simplified: button landing, sign-in/consent with fake buyers, payment approval, cancel.
import express, { type Router } from 'express';
import type { SimCore } from './core';

export interface BuyerPagesDeps {
  sim: SimCore;
  baseUrl: () => string;
}

export function createBuyerPages(_deps: BuyerPagesDeps): Router {
  return express.Router();
}
