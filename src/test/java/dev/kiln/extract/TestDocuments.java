package dev.kiln.extract;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFStyle;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTString;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTStyle;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STStyleType;

/** Documents made in test code (PDFBox, POI, Java2D), so no binary fixture has to be committed. */
public final class TestDocuments {

    private TestDocuments() {}

    /** A paragraph of {@code words} words about {@code topic}, ending with a full stop. */
    public static String paragraph(String topic, int words) {
        String[] vocabulary = {
            "the", "kiln", "fires", "clay", "slowly", "while", "potters", "watch", "every", "glaze", "change", "colour",
            "under", "steady", "heat"
        };
        StringBuilder out = new StringBuilder(topic);
        for (int i = 1; i < words; i++) {
            out.append(' ').append(vocabulary[(i * 7 + topic.length()) % vocabulary.length]);
        }
        return out.append('.').toString();
    }

    /** A text PDF: each page holds the given paragraphs, one blank line between them. */
    public static Path textPdf(Path dir, String title, String author, List<List<String>> pages) throws IOException {
        Path file = dir.resolve("text.pdf");
        try (PDDocument pdf = new PDDocument()) {
            for (List<String> paragraphs : pages) {
                addTextPage(pdf, paragraphs);
            }
            PDDocumentInformation info = pdf.getDocumentInformation();
            info.setTitle(title);
            info.setAuthor(author);
            pdf.save(file.toFile());
        }
        return file;
    }

    /** The same, protected by a user password. */
    static Path encryptedPdf(Path dir) throws IOException {
        Path file = dir.resolve("encrypted.pdf");
        try (PDDocument pdf = new PDDocument()) {
            addTextPage(pdf, List.of("Secret plans for the kiln."));
            StandardProtectionPolicy policy =
                    new StandardProtectionPolicy("owner-secret", "user-secret", new AccessPermission());
            policy.setEncryptionKeyLength(128);
            pdf.protect(policy);
            pdf.save(file.toFile());
        }
        return file;
    }

    /** A PDF whose pages are pictures of text, as a scanner makes them. */
    static Path scannedPdf(Path dir, List<String> pageTexts) throws IOException {
        Path file = dir.resolve("scanned.pdf");
        try (PDDocument pdf = new PDDocument()) {
            for (String text : pageTexts) {
                PDPage page = new PDPage(PDRectangle.A4);
                pdf.addPage(page);
                var image = LosslessFactory.createFromImage(pdf, picture(text));
                try (PDPageContentStream content = new PDPageContentStream(pdf, page)) {
                    content.drawImage(image, 0, 0, PDRectangle.A4.getWidth(), PDRectangle.A4.getHeight());
                }
            }
            pdf.save(file.toFile());
        }
        return file;
    }

    static Path png(Path dir, String text) throws IOException {
        Path file = dir.resolve("picture.png");
        ImageIO.write(picture(text), "png", file.toFile());
        return file;
    }

    /** An A4 page at 150 dpi with the text in large black letters, a few words per line. */
    static BufferedImage picture(String text) {
        BufferedImage image = new BufferedImage(1240, 1754, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SERIF, Font.PLAIN, 40));
        int y = 150;
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() + word.length() > 40) {
                g.drawString(line.toString(), 100, y);
                y += 60;
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        g.drawString(line.toString(), 100, y);
        g.dispose();
        return image;
    }

    /** A Word document: a heading (a real "heading 1" style) before each section's paragraphs. */
    static Path docx(Path dir, List<String> headings, List<List<String>> sections) throws IOException {
        Path file = dir.resolve("doc.docx");
        try (XWPFDocument doc = new XWPFDocument();
                OutputStream out = Files.newOutputStream(file)) {
            CTStyle style = CTStyle.Factory.newInstance();
            style.setStyleId("Heading1");
            style.setType(STStyleType.PARAGRAPH);
            CTString name = CTString.Factory.newInstance();
            name.setVal("heading 1");
            style.setName(name);
            doc.createStyles().addStyle(new XWPFStyle(style));
            for (int i = 0; i < headings.size(); i++) {
                XWPFParagraph heading = doc.createParagraph();
                heading.setStyle("Heading1");
                heading.createRun().setText(headings.get(i));
                for (String text : sections.get(i)) {
                    doc.createParagraph().createRun().setText(text);
                }
            }
            doc.getProperties().getCoreProperties().setTitle("Firing notes");
            doc.write(out);
        }
        return file;
    }

    /**
     * A DOCX whose document part inflates to {@code megabytes} MB of one repeated letter: a
     * compression bomb (about 1,000 to 1).
     */
    static Path zipBombDocx(Path dir, int megabytes) throws IOException {
        Path template = docx(dir, List.of("Bomb"), List.of(List.of("x")));
        Path file = dir.resolve("bomb.docx");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(template));
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            out.setLevel(Deflater.BEST_COMPRESSION);
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (entry.getName().equals("word/document.xml")) {
                    out.write(("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
                                    + "<w:body><w:p><w:r><w:t>")
                            .getBytes(StandardCharsets.UTF_8));
                    byte[] block = "a".repeat(1024 * 1024).getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < megabytes; i++) {
                        out.write(block);
                    }
                    out.write("</w:t></w:r></w:p></w:body></w:document>".getBytes(StandardCharsets.UTF_8));
                } else {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return file;
    }

    static List<String> paragraphs(String topic, int count, int words) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(paragraph(topic + i, words));
        }
        return out;
    }

    private static void addTextPage(PDDocument pdf, List<String> paragraphs) throws IOException {
        PDPage page = new PDPage(PDRectangle.A4);
        pdf.addPage(page);
        PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
        try (PDPageContentStream content = new PDPageContentStream(pdf, page)) {
            content.beginText();
            content.setFont(font, 11);
            content.setLeading(14);
            content.newLineAtOffset(60, 780);
            for (String paragraph : paragraphs) {
                StringBuilder line = new StringBuilder();
                for (String word : paragraph.split(" ")) {
                    if (line.length() + word.length() > 85) {
                        content.showText(line.toString());
                        content.newLine();
                        line.setLength(0);
                    }
                    line.append(line.isEmpty() ? "" : " ").append(word);
                }
                content.showText(line.toString());
                content.newLine();
                content.newLine();
            }
            content.endText();
        }
    }
}
