package io.vectorstream.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A small TorchScript function, written here as TorchScript source and packed as the archive
 * {@code torch.jit.save} writes, so that DJL's PyTorch engine can run it.
 *
 * <p>Why: DJL 0.35.1 cannot name the bfloat16 type (its JNI layer maps only nine data types, and
 * {@code toType(BFLOAT16)} aborts the JVM), but PyTorch itself runs bfloat16 matrix products on
 * the CPU's AMX units. A TorchScript function can cast to and from bfloat16 inside libtorch; the
 * arrays DJL then holds are opaque handles it passes on to PyTorch operations unchanged.
 *
 * <p>The archive has no weights: a module with no parameters, its {@code forward} method and any
 * helpers; weights are passed in as arguments.
 * Its layout follows torch/csrc/jit/docs/serialization.md: {@code data.pkl} (the module object,
 * pickle protocol 2), {@code constants.pkl} (an empty tuple), {@code code/__torch__.py} and
 * {@code version}.
 */
final class TorchScript implements AutoCloseable {

    private final PtSymbolBlock module;

    private TorchScript(final PtSymbolBlock module) {
        this.module = module;
    }

    /**
     * Compiles the methods of a module class named {@code className}: at least
     * {@code def forward(self: __torch__.<className>, ...) -> ...:}, in TorchScript's serialized
     * dialect (operators as {@code torch.xxx}, dtypes as numbers, other methods called as
     * {@code self.name(...)}).
     */
    static TorchScript load(final NDManager manager, final String className, final String methods) {
        byte[] archive = archive(className, methods);
        try {
            return new TorchScript(JniUtils.loadModule((PtNDManager) manager, new ByteArrayInputStream(archive),
                    false, false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code forward} on the inputs, passed as positional tensors (DJL's NDList call would
     * pass named arrays as one dictionary); the result belongs to the first input's manager.
     */
    NDArray call(final NDArray... inputs) {
        return call(inputs, null);
    }

    /**
     * Runs {@code forward} on the tensors and then {@code last}, a value the caller made and keeps
     * (a list of weights, say: made once, passed to every call).
     */
    NDArray call(final NDArray[] tensors, final IValue last) {
        IValue[] arguments = new IValue[tensors.length + (last == null ? 0 : 1)];
        try {
            for (int i = 0; i < tensors.length; i++) {
                arguments[i] = IValue.from((PtNDArray) tensors[i]);
            }
            if (last != null) {
                arguments[tensors.length] = last;
            }
            try (IValue result = module.forward(arguments)) {
                return result.toTensor((PtNDManager) tensors[0].getManager());
            }
        } finally {
            for (int i = 0; i < tensors.length; i++) {
                if (arguments[i] != null) {
                    arguments[i].close();
                }
            }
        }
    }

    @Override
    public void close() {
        module.close();
    }

    static byte[] archive(final String className, final String methods) {
        String code = "class " + className + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + methods.indent(2);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            String root = "archive/";
            stored(zip, root + "data.pkl", moduleObject(className));
            stored(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(zip, root + "code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code __torch__.<className>()} with {@code training = False}, as a protocol 2 pickle. */
    private static byte[] moduleObject(final String className) {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(new byte[] {(byte) 0x80, 2}); // PROTO 2
        pickle.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        pickle.writeBytes(new byte[] {')', (byte) 0x81, '}'}); // EMPTY_TUPLE NEWOBJ EMPTY_DICT
        byte[] training = "training".getBytes(StandardCharsets.US_ASCII);
        pickle.writeBytes(new byte[] {'X', (byte) training.length, 0, 0, 0}); // BINUNICODE
        pickle.writeBytes(training);
        pickle.writeBytes(new byte[] {(byte) 0x89, 's', 'b', '.'}); // NEWFALSE SETITEM BUILD STOP
        return pickle.toByteArray();
    }

    private static void stored(final ZipOutputStream zip, final String name, final byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
