/** Berth storage. */
package io.berth.storage;
